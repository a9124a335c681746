// Daemon options: one zod schema, resolved once from a JSON config file, FEEDBACK_MINER_* environment variables and
// CLI flags (later sources win), so everything inside the daemon trusts the validated object.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { kafkaOptionsSchema, parseKafkaOptions, type KafkaOptions } from '../../connectors/kafka.js';
import { MinerError, errorMessage } from '../errors.js';

/** DuckDB memory limit of each partition store (the daemon opens one store per owned partition). */
export const DEFAULT_PARTITION_MEMORY_LIMIT = '256MB';

export const daemonConfigSchema = z
  .object({
    kafka: kafkaOptionsSchema,
    groupId: z.string().min(1).max(256).default('feedback-miner'),
    /** One DuckDB file per owned partition number: <stateDir>/p-<n>.duckdb. */
    stateDir: z.string().min(1),
    /** Sealed Parquet segments for analysts and batch jobs; none are written when absent. */
    lakeDir: z.string().min(1).optional(),
    /** Export new rows of each owned partition to the lake at most this often (and on shutdown / revoke). */
    exportIntervalMs: z.number().int().positive().default(30_000),
    /**
     * Open-state bounds (need lakeDir): conversations idle this long in event time, or beyond this many per partition
     * (least recently active first), are removed from the partition store once the lake holds all their rows.
     */
    idleConversationMs: z.number().int().positive().optional(),
    maxOpenConversations: z.number().int().positive().optional(),
    metrics: z
      .object({
        /** Loopback unless configured: /metrics and the probes are not meant for the open network. */
        host: z.string().min(1).default('127.0.0.1'),
        /** 0 picks a free port (logged at start); omit `metrics` entirely to run without the HTTP server. */
        port: z.number().int().min(0).max(65535).default(9464),
      })
      .strict()
      .optional(),
    /** Detector settings file (the same `{"detectors": ...}` JSON as `mine --config`). */
    detectorConfigFile: z.string().min(1).optional(),
    /**
     * Largest fetch per partition; bounds a batch's size and so the memory one batch needs. Each batch pays a fixed
     * store-transaction cost, so a backlog is worked off in big batches (8 MiB is ~15k typical turns).
     */
    maxBytesPerPartition: z.number().int().positive().default(8 * 1_048_576),
    /**
     * Fetch tuning: the broker answers once minBytes are ready or after maxWaitTimeMs. Every batch costs one store
     * transaction, so under steady load fewer, larger batches (higher minBytes) trade a little latency for throughput.
     */
    minBytes: z.number().int().min(1).default(1),
    maxWaitTimeMs: z.number().int().min(10).max(10_000).default(250),
    /** Partitions processed at the same time (each partition's store is still used by one batch at a time). */
    partitionsConcurrently: z.number().int().min(1).max(64).default(2),
    sessionTimeoutMs: z.number().int().min(6000).default(10_000),
    heartbeatIntervalMs: z.number().int().positive().default(1000),
    /** Attempts for one dead-letter publish, and for one batch's store transaction, before giving up on it. */
    retries: z.number().int().min(0).max(20).default(3),
    /** Threads each partition store may use; partitions already run in parallel, so 1 keeps CPU use predictable. */
    storeThreads: z.number().int().min(1).max(64).default(1),
    /**
     * DuckDB memory limit of each partition store. A daemon owns several stores, and each caches blocks up to its
     * limit, so this bounds the daemon's memory (with --max-open-conversations bounding what the stores hold).
     */
    partitionMemoryLimit: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'expected a size such as 256MB').default(DEFAULT_PARTITION_MEMORY_LIMIT),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict()
  .refine((c) => c.lakeDir !== undefined || (c.idleConversationMs === undefined && c.maxOpenConversations === undefined), {
    message: 'idleConversationMs / maxOpenConversations prune sealed conversations: they need lakeDir',
    path: ['lakeDir'],
  })
  // With a lake, the open state is bounded by default: a daemon that runs for months must not grow its stores forever.
  .transform((c) => ({ ...c, maxOpenConversations: c.maxOpenConversations ?? (c.lakeDir ? DEFAULT_MAX_OPEN_CONVERSATIONS : undefined) }));

/** Conversations kept per partition store when a lake is configured and no bound is given. */
export const DEFAULT_MAX_OPEN_CONVERSATIONS = 100_000;

export type DaemonConfigInput = z.input<typeof daemonConfigSchema>;
export type DaemonConfig = z.output<typeof daemonConfigSchema>;

/** Env var -> config path. Only scalars; lists are comma-separated (brokers). */
const ENV_KEYS: Record<string, string[]> = {
  FEEDBACK_MINER_KAFKA_BROKERS: ['kafka', 'brokers'],
  FEEDBACK_MINER_KAFKA_CLIENT_ID: ['kafka', 'clientId'],
  FEEDBACK_MINER_KAFKA_SASL_MECHANISM: ['kafka', 'sasl', 'mechanism'],
  FEEDBACK_MINER_KAFKA_PASSWORD_FILE: ['kafka', 'sasl', 'passwordFile'],
  FEEDBACK_MINER_KAFKA_TLS_CA_FILE: ['kafka', 'tls', 'caFile'],
  FEEDBACK_MINER_KAFKA_TLS_CERT_FILE: ['kafka', 'tls', 'certFile'],
  FEEDBACK_MINER_KAFKA_TLS_KEY_FILE: ['kafka', 'tls', 'keyFile'],
  FEEDBACK_MINER_TOPIC_TURNS: ['kafka', 'topics', 'turns'],
  FEEDBACK_MINER_TOPIC_FEEDBACK: ['kafka', 'topics', 'feedback'],
  FEEDBACK_MINER_TOPIC_DEAD_LETTER: ['kafka', 'topics', 'deadLetter'],
  FEEDBACK_MINER_GROUP_ID: ['groupId'],
  FEEDBACK_MINER_STATE_DIR: ['stateDir'],
  FEEDBACK_MINER_LAKE_DIR: ['lakeDir'],
  FEEDBACK_MINER_EXPORT_INTERVAL_MS: ['exportIntervalMs'],
  FEEDBACK_MINER_METRICS_HOST: ['metrics', 'host'],
  FEEDBACK_MINER_METRICS_PORT: ['metrics', 'port'],
  FEEDBACK_MINER_LOG_LEVEL: ['logLevel'],
  FEEDBACK_MINER_IDLE_CONVERSATION_MS: ['idleConversationMs'],
  FEEDBACK_MINER_MAX_OPEN_CONVERSATIONS: ['maxOpenConversations'],
};
const NUMERIC = new Set(['exportIntervalMs', 'port', 'idleConversationMs', 'maxOpenConversations']);

/** Flags as the CLI collects them: undefined means "not given". */
export interface DaemonFlags {
  config?: string;
  brokers?: string;
  groupId?: string;
  turnsTopic?: string;
  feedbackTopic?: string;
  deadLetterTopic?: string;
  stateDir?: string;
  lakeDir?: string;
  exportIntervalMs?: number;
  metricsHost?: string;
  metricsPort?: number;
  noMetrics?: boolean;
  saslMechanism?: string;
  saslUsername?: string;
  passwordFile?: string;
  tls?: boolean;
  tlsCaFile?: string;
  detectorConfig?: string;
  partitionsConcurrently?: number;
  sessionTimeoutMs?: number;
  minBytes?: number;
  maxWaitTimeMs?: number;
  idleConversationMs?: number;
  maxOpenConversations?: number;
  logLevel?: string;
}

type Obj = Record<string, unknown>;
function setPath(target: Obj, path: string[], value: unknown): void {
  let o = target;
  for (const k of path.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Obj;
  }
  o[path[path.length - 1]] = value;
}

/** config file < environment < flags, validated once; errors name the source and each offending field. */
export function resolveDaemonConfig(flags: DaemonFlags, env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  const raw = collectRaw(flags, env);
  const parsed = daemonConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    const source = [flags.config, 'environment', 'flags'].filter(Boolean).join(' + ');
    throw new MinerError('BAD_CONFIG', `daemon options (${source}): ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Only the Kafka part (for `produce`), from the same file / environment / flags. */
export function resolveKafkaFromFlags(flags: DaemonFlags, env: NodeJS.ProcessEnv = process.env): KafkaOptions {
  const raw = collectRaw(flags, env);
  try {
    return parseKafkaOptions(raw.kafka ?? {}, [flags.config, 'environment', 'flags'].filter(Boolean).join(' + '));
  } catch (e) {
    throw new MinerError('BAD_CONFIG', errorMessage(e), { cause: e });
  }
}

function collectRaw(flags: DaemonFlags, env: NodeJS.ProcessEnv): Obj {
  let raw: Obj = {};
  if (flags.config) {
    try {
      raw = JSON.parse(readFileSync(flags.config, 'utf8')) as Obj;
    } catch (e) {
      throw new MinerError('BAD_CONFIG', `${flags.config}: cannot read daemon config: ${errorMessage(e)}`, { cause: e });
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new MinerError('BAD_CONFIG', `${flags.config}: expected a JSON object`);
  }
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    setPath(raw, path, NUMERIC.has(path[path.length - 1]) ? Number(v) : v);
  }
  const f = flags;
  const set = (path: string[], v: unknown) => v !== undefined && setPath(raw, path, v);
  set(['kafka', 'brokers'], f.brokers);
  set(['groupId'], f.groupId);
  set(['kafka', 'topics', 'turns'], f.turnsTopic);
  set(['kafka', 'topics', 'feedback'], f.feedbackTopic);
  set(['kafka', 'topics', 'deadLetter'], f.deadLetterTopic);
  set(['stateDir'], f.stateDir);
  set(['lakeDir'], f.lakeDir);
  set(['exportIntervalMs'], f.exportIntervalMs);
  set(['metrics', 'host'], f.metricsHost);
  set(['metrics', 'port'], f.metricsPort);
  set(['kafka', 'sasl', 'mechanism'], f.saslMechanism);
  set(['kafka', 'sasl', 'username'], f.saslUsername);
  set(['kafka', 'sasl', 'passwordFile'], f.passwordFile);
  if (f.tls) set(['kafka', 'tls', 'enabled'], true);
  set(['kafka', 'tls', 'caFile'], f.tlsCaFile);
  set(['detectorConfigFile'], f.detectorConfig);
  set(['partitionsConcurrently'], f.partitionsConcurrently);
  set(['sessionTimeoutMs'], f.sessionTimeoutMs);
  set(['minBytes'], f.minBytes);
  set(['idleConversationMs'], f.idleConversationMs);
  set(['maxOpenConversations'], f.maxOpenConversations);
  set(['maxWaitTimeMs'], f.maxWaitTimeMs);
  set(['logLevel'], f.logLevel);
  if (f.noMetrics) delete raw.metrics;
  else if (raw.metrics === undefined) raw.metrics = {};
  return raw;
}
