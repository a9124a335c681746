// The analyst's read-only SQL path: opens the store read-only, refuses statements that write, prints results as
// an aligned table, CSV or JSON.
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { MinerError, errorMessage } from './errors.js';

const READ_STATEMENTS = new Set<number>([
  StatementType.SELECT,
  StatementType.EXPLAIN,
  StatementType.PRAGMA,
  StatementType.RELATION,
]);

export type SqlFormat = 'table' | 'csv' | 'json';

export interface SqlResult {
  columns: string[];
  rows: unknown[][];
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Run read-only SQL against the store. Any statement that could write is refused before it runs. */
export async function runReadOnlySql(dbPath: string, sql: string): Promise<SqlResult> {
  if (!existsSync(dbPath)) throw new MinerError('STORE', `store ${dbPath} does not exist (run \`feedback-miner mine\` first, or pass --db)`);
  const instance = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    return await runStatementsReadOnly(conn, sql, 'feedback-miner sql');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Run each statement of `sql` on `conn`, refusing (before anything runs) any statement that is not a read; the
 * result of the last statement is returned. Shared by `sql` (the store) and `lake-sql` (the daemons' lake).
 */
export async function runStatementsReadOnly(conn: DuckDBConnection, sql: string, command: string): Promise<SqlResult> {
  const extracted = await conn.extractStatements(sql).catch((e) => {
    throw new MinerError('BAD_INPUT', `SQL error: ${errorMessage(e)}`);
  });
  if (extracted.count === 0) throw new MinerError('BAD_INPUT', 'no SQL statement given');
  let last: SqlResult = { columns: [], rows: [] };
  for (let i = 0; i < extracted.count; i++) {
    const prepared = await extracted.prepare(i).catch((e) => {
      throw new MinerError('BAD_INPUT', `SQL error: ${errorMessage(e)}`);
    });
    if (!READ_STATEMENTS.has(prepared.statementType))
      throw new MinerError(
        'READ_ONLY',
        `${command} is read-only: ${StatementType[prepared.statementType]} statements are refused ` +
          '(only the jobs and the daemon write)',
      );
    const reader = await prepared.runAndReadAll().catch((e) => {
      throw new MinerError('BAD_INPUT', `SQL error: ${errorMessage(e)}`);
    });
    last = { columns: reader.columnNames(), rows: (reader.getRowsJS() as unknown[][]).map((r) => r.map(plain)) };
  }
  return last;
}

const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function formatSqlResult(r: SqlResult, format: SqlFormat, maxWidth = 60): string {
  if (format === 'json') return JSON.stringify(r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]]))), null, 2) + '\n';
  if (format === 'csv') {
    const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    return [r.columns.map(esc).join(','), ...r.rows.map((row) => row.map((v) => esc(cell(v))).join(','))].join('\n') + '\n';
  }
  const shown = r.rows.map((row) =>
    row.map((v) => {
      const s = cell(v).replace(/\s+/g, ' ');
      return s.length > maxWidth ? s.slice(0, maxWidth - 1) + '…' : s;
    }),
  );
  const widths = r.columns.map((c, i) => Math.max(c.length, ...shown.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  const out = [line(r.columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...shown.map(line)];
  out.push(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}
