// Typed errors a caller can branch on: a closed list of codes, and whether retrying can help.
export const ERROR_CODES = [
  'BAD_INPUT', // a record or file the user gave us is malformed: not retriable, names file/line/field
  'BAD_CONFIG', // options failed validation
  'STORE', // DuckDB refused an operation
  'READ_ONLY', // a write was attempted through the analyst's read-only path
  'BROKER_UNAVAILABLE', // Kafka is away: retriable
  'AUTH', // credentials refused: not retriable
  'ENDPOINT', // an external HTTP endpoint failed
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class MinerError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  constructor(code: ErrorCode, message: string, opts: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'MinerError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
