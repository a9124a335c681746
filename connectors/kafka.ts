// Kafka connector basics: validated connection options -> kafkajs client config (TLS, SASL with the password from
// the environment or a file, never logged), topic names, and a keyed, batched, rate-limited producer.
import { readFileSync } from 'node:fs';
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type KafkaConfig,
  type LogEntry,
  type Message,
  type SASLOptions,
  type logCreator,
} from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { z } from 'zod';
import type { FeedbackEvent, Turn } from '../src/model.js';

export const DEFAULT_TOPICS = { turns: 'fm.turns', feedback: 'fm.feedback', deadLetter: 'fm.dead-letter' } as const;
export const DEFAULT_PASSWORD_ENV = 'FEEDBACK_MINER_KAFKA_PASSWORD';
export const DEFAULT_USERNAME_ENV = 'FEEDBACK_MINER_KAFKA_USERNAME';
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export const KAFKA_ERROR_CODES = ['BAD_CONFIG', 'AUTH', 'BROKER_UNAVAILABLE'] as const;
export type KafkaErrorCode = (typeof KAFKA_ERROR_CODES)[number];

/** An error callers branch on by `code`; `retriable` says whether trying again can help (same shape as kafkajs). */
export class KafkaConnectorError extends Error {
  readonly code: KafkaErrorCode;
  readonly retriable: boolean;
  constructor(code: KafkaErrorCode, message: string, opts: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'KafkaConnectorError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
  }
}

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'expected host:port');

// Kafka's own rule for topic names (org.apache.kafka.common.internals.Topic).
const topicName = z
  .string()
  .min(1)
  .max(249)
  .regex(/^[a-zA-Z0-9._-]+$/, 'topic names may contain only letters, digits, ".", "_" and "-"')
  .refine((n) => n !== '.' && n !== '..', 'topic name cannot be "." or ".."');

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

export const kafkaOptionsSchema = z
  .object({
    /** "host:port" list, or one comma-separated string (as in an env var or CLI flag). */
    brokers: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (typeof v === 'string' ? v.split(',') : v).map((b) => b.trim()).filter((b) => b.length > 0))
      .pipe(z.array(hostPort).min(1, 'at least one broker is required')),
    clientId: z.string().min(1).max(256).default('feedback-miner'),
    tls: z
      .object({
        enabled: z.boolean().default(true),
        caFile: z.string().min(1).optional(),
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        rejectUnauthorized: z.boolean().default(true),
        servername: z.string().min(1).optional(),
      })
      .strict()
      .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
        message: 'certFile and keyFile must be given together',
        path: ['certFile'],
      })
      .optional(),
    sasl: z
      .object({
        mechanism: z.enum(SASL_MECHANISMS),
        /** Falls back to the environment variable named by usernameEnv. */
        username: z.string().min(1).optional(),
        usernameEnv: envName.default(DEFAULT_USERNAME_ENV),
        /** The password is never part of the options: it comes from this environment variable ... */
        passwordEnv: envName.default(DEFAULT_PASSWORD_ENV),
        /** ... or, when given, from this file (one trailing newline stripped). */
        passwordFile: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** TCP connect timeout per attempt. Short, so an unreachable broker is reported quickly. */
    connectionTimeoutMs: z.number().int().positive().default(3000),
    /** SASL handshake timeout: a broker that never answers auth fails within this. */
    authenticationTimeoutMs: z.number().int().positive().default(5000),
    requestTimeoutMs: z.number().int().positive().default(30_000),
    /**
     * kafkajs retries retriable errors (broker away, leader moved) with exponential backoff. Authentication
     * failures are not retriable in kafkajs and surface at once whatever these say.
     */
    retry: z
      .object({
        retries: z.number().int().min(0).default(5),
        initialRetryTimeMs: z.number().int().positive().default(300),
        maxRetryTimeMs: z.number().int().positive().default(10_000),
      })
      .strict()
      .prefault({}),
    topics: z
      .object({
        turns: topicName.default(DEFAULT_TOPICS.turns),
        feedback: topicName.default(DEFAULT_TOPICS.feedback),
        deadLetter: topicName.default(DEFAULT_TOPICS.deadLetter),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type KafkaOptionsInput = z.input<typeof kafkaOptionsSchema>;
export type KafkaOptions = z.output<typeof kafkaOptionsSchema>;
export type KafkaTopics = KafkaOptions['topics'];

/** Validates options once at the edge; errors name the source and each offending field. */
export function parseKafkaOptions(input: unknown, source = 'kafka options'): KafkaOptions {
  const result = kafkaOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new KafkaConnectorError('BAD_CONFIG', `${source}: invalid Kafka options: ${problems.join('; ')}`);
}

/** What is safe to log about the options: where the password comes from, never the password. */
export function redactKafkaOptions(options: KafkaOptions): Record<string, unknown> {
  return {
    brokers: options.brokers,
    clientId: options.clientId,
    tls: options.tls?.enabled
      ? {
          caFile: options.tls.caFile ?? null,
          certFile: options.tls.certFile ?? null,
          rejectUnauthorized: options.tls.rejectUnauthorized,
        }
      : false,
    sasl: options.sasl
      ? {
          mechanism: options.sasl.mechanism,
          username: options.sasl.username ?? `(env ${options.sasl.usernameEnv})`,
          password: options.sasl.passwordFile ? `(file ${options.sasl.passwordFile})` : `(env ${options.sasl.passwordEnv})`,
        }
      : false,
    topics: options.topics,
  };
}

/** One log line describing the connection, for startup logs. */
export function describeKafkaOptions(options: KafkaOptions): string {
  const r = redactKafkaOptions(options);
  const tls = r.tls ? `tls=on${options.tls?.rejectUnauthorized === false ? '(unverified)' : ''}` : 'tls=off';
  const sasl = options.sasl
    ? `sasl=${options.sasl.mechanism} user=${(r.sasl as { username: string }).username} password=${(r.sasl as { password: string }).password}`
    : 'sasl=off';
  const t = options.topics;
  return `kafka brokers=${options.brokers.join(',')} clientId=${options.clientId} ${tls} ${sasl} topics=${t.turns},${t.feedback},${t.deadLetter}`;
}

/** The subset of a pino logger kafkajs logs are routed to. */
export interface KafkaLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export type KafkaLogLevelName = 'nothing' | 'error' | 'warn' | 'info' | 'debug';
const LOG_LEVELS: Record<KafkaLogLevelName, KafkaLogLevel> = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

// Defence in depth: kafkajs does not log credentials today, but nothing that looks like one reaches our logs.
const SECRET_KEY = /pass|secret|token|sasl|credential/i;

/** A kafkajs logCreator that sends its entries to `logger` as structured records (component=kafkajs). */
export function kafkaLogCreator(logger: KafkaLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log as Record<string, unknown>;
      const fields: Record<string, unknown> = { component: 'kafkajs', namespace };
      for (const [k, v] of Object.entries(extra)) if (!SECRET_KEY.test(k)) fields[k] = v;
      const msg = String(message ?? '');
      if (level === KafkaLogLevel.ERROR) logger.error(fields, msg);
      else if (level === KafkaLogLevel.WARN) logger.warn(fields, msg);
      else if (level === KafkaLogLevel.INFO) logger.info(fields, msg);
      else logger.debug(fields, msg);
    };
}

export interface ClientOptions {
  /** Where kafkajs logs go; without one kafkajs is silent. */
  logger?: KafkaLogger;
  /** kafkajs-side level filter (the logger filters again). Default 'info'. */
  logLevel?: KafkaLogLevelName;
  /** Environment to read the username/password variables from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

function readConfigFile(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new KafkaConnectorError('BAD_CONFIG', `kafka option ${field}: cannot read ${path}: ${reason}`, { cause: err });
  }
}

function resolveSasl(sasl: NonNullable<KafkaOptions['sasl']>, env: NodeJS.ProcessEnv): SASLOptions {
  const username = sasl.username ?? env[sasl.usernameEnv];
  if (!username) {
    throw new KafkaConnectorError('BAD_CONFIG', `kafka option sasl.username: not set (give it, or set ${sasl.usernameEnv})`);
  }
  let password: string | undefined;
  if (sasl.passwordFile) {
    password = readConfigFile(sasl.passwordFile, 'sasl.passwordFile').replace(/\r?\n$/, '');
    if (!password) throw new KafkaConnectorError('BAD_CONFIG', `kafka option sasl.passwordFile: ${sasl.passwordFile} is empty`);
  } else {
    password = env[sasl.passwordEnv];
    if (!password) {
      throw new KafkaConnectorError(
        'BAD_CONFIG',
        `kafka option sasl: no password: set ${sasl.passwordEnv} or sasl.passwordFile`,
      );
    }
  }
  const resolved = { mechanism: sasl.mechanism, username } as SASLOptions;
  // Non-enumerable, so printing or serialising the client config cannot leak it; kafkajs reads it by name.
  Object.defineProperty(resolved, 'password', { value: password, enumerable: false });
  return resolved;
}

/** kafkajs client config from validated options; reads TLS files and the password now (clear errors if missing). */
export function buildKafkaConfig(options: KafkaOptions, clientOptions: ClientOptions = {}): KafkaConfig {
  const env = clientOptions.env ?? process.env;
  let ssl: ConnectionOptions | undefined;
  if (options.tls?.enabled) {
    const t = options.tls;
    ssl = { rejectUnauthorized: t.rejectUnauthorized };
    if (t.caFile) ssl.ca = [readConfigFile(t.caFile, 'tls.caFile')];
    if (t.certFile) ssl.cert = readConfigFile(t.certFile, 'tls.certFile');
    if (t.keyFile) ssl.key = readConfigFile(t.keyFile, 'tls.keyFile');
    if (t.servername) ssl.servername = t.servername;
  }
  const logger = clientOptions.logger;
  return {
    clientId: options.clientId,
    brokers: options.brokers,
    ssl,
    sasl: options.sasl ? resolveSasl(options.sasl, env) : undefined,
    connectionTimeout: options.connectionTimeoutMs,
    authenticationTimeout: options.authenticationTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    retry: {
      retries: options.retry.retries,
      initialRetryTime: options.retry.initialRetryTimeMs,
      maxRetryTime: options.retry.maxRetryTimeMs,
    },
    logLevel: logger ? LOG_LEVELS[clientOptions.logLevel ?? 'info'] : KafkaLogLevel.NOTHING,
    logCreator: logger ? kafkaLogCreator(logger) : () => () => {},
  };
}

export function createKafka(options: KafkaOptions, clientOptions: ClientOptions = {}): Kafka {
  return new Kafka(buildKafkaConfig(options, clientOptions));
}

// Node's codes for a broker certificate the client does not trust.
const UNTRUSTED_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorChain(err: unknown): Error[] {
  const chain: Error[] = [];
  let e: unknown = err;
  while (e instanceof Error && !chain.includes(e) && chain.length < 10) {
    chain.push(e);
    e = (e as { originalError?: unknown }).originalError ?? e.cause;
  }
  return chain;
}

/**
 * Maps a kafkajs error to the project's codes: refused credentials or a failed TLS handshake are AUTH (not
 * retriable), a broker that cannot be reached is BROKER_UNAVAILABLE (retriable). Anything else is returned as is.
 * kafkajs itself treats TLS handshake failures as connection errors and retries them, so those surface only after
 * the retry budget (about 7 s with the default retry options).
 */
export function classifyKafkaError(err: unknown, options?: KafkaOptions): unknown {
  if (!(err instanceof Error) || err instanceof KafkaConnectorError) return err;
  const chain = errorChain(err);
  const who = options?.sasl ? ` (${options.sasl.mechanism}, user ${options.sasl.username ?? `$${options.sasl.usernameEnv}`})` : '';
  const where = options ? ` at ${options.brokers.join(',')}` : '';
  const sasl = chain.find((e) => e.name === 'KafkaJSSASLAuthenticationError');
  if (sasl) return new KafkaConnectorError('AUTH', `Kafka refused the credentials${who}: ${sasl.message}`, { cause: err });
  const code = chain.map((e) => (e as { code?: unknown }).code).find((c): c is string => typeof c === 'string');
  if (code && UNTRUSTED_CERT_CODES.has(code)) {
    return new KafkaConnectorError(
      'AUTH',
      `TLS: the Kafka broker's certificate${where} is not trusted (${code}); check tls.caFile and tls.servername: ${err.message}`,
      { cause: err },
    );
  }
  if (code?.startsWith('ERR_SSL_')) {
    return new KafkaConnectorError(
      'AUTH',
      `TLS handshake with the Kafka broker${where} failed (${code}); it may require a client certificate (tls.certFile, tls.keyFile): ${err.message}`,
      { cause: err },
    );
  }
  const unavailable = ['KafkaJSConnectionError', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError'];
  if (chain.some((e) => unavailable.includes(e.name)) || err.name === 'KafkaJSNumberOfRetriesExceeded') {
    return new KafkaConnectorError('BROKER_UNAVAILABLE', `Kafka broker unavailable${where}: ${err.message}`, {
      retriable: true,
      cause: err,
    });
  }
  return err;
}

/**
 * Creates the turns, feedback and dead-letter topics (or the given ones) if missing; returns the names created.
 * Needed because clusters usually have auto-creation off (the test broker does too).
 */
export async function ensureTopics(
  options: KafkaOptions,
  settings: { topics?: string[]; numPartitions?: number; replicationFactor?: number } = {},
  clientOptions: ClientOptions = {},
): Promise<string[]> {
  const wanted = settings.topics ?? [options.topics.turns, options.topics.feedback, options.topics.deadLetter];
  const admin = createKafka(options, clientOptions).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: settings.numPartitions ?? -1,
          replicationFactor: settings.replicationFactor ?? -1,
        })),
      });
    }
    return missing;
  } catch (err) {
    throw classifyKafkaError(err, options);
  } finally {
    await admin.disconnect();
  }
}

/** One record to produce. `key` is the conversation id, so a conversation's records stay in order on one partition. */
export interface ProduceRecord {
  topic: string;
  key: string;
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface ProduceSettings {
  /**
   * Records per second, averaged from the start: a batch leaves no earlier than start + (records sent before it) /
   * rate. Batches are then capped to rate/10 records. Unlimited when absent.
   */
  ratePerSec?: number;
  /** Records per produce request. */
  batchSize: number;
  /** Send a partial batch when the source has been idle this long (a slow generator or a tailed file). Default 100. */
  lingerMs?: number;
  /** Stops after the batch in flight; what was sent is reported. */
  signal?: AbortSignal;
  /** Called after each acknowledged batch (progress bars, metrics). */
  onBatch?: (progress: { records: number; sent: number }) => void;
}

export interface ProduceStats {
  sent: number;
  batches: number;
  byTopic: Record<string, number>;
  elapsedMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends `records` to Kafka keyed by conversation id, in batches, at most `ratePerSec` on average, waiting for all
 * in-sync replicas (acks=-1). Records are sent in source order; each batch is acknowledged before the next is sent.
 */
export async function produceRecords(
  options: KafkaOptions,
  records: AsyncIterable<ProduceRecord> | Iterable<ProduceRecord>,
  settings: ProduceSettings,
  clientOptions: ClientOptions = {},
): Promise<ProduceStats> {
  if (!Number.isInteger(settings.batchSize) || settings.batchSize < 1) {
    throw new KafkaConnectorError('BAD_CONFIG', `produce batchSize must be a positive integer, got ${settings.batchSize}`);
  }
  const rate = settings.ratePerSec;
  if (rate !== undefined && !(rate > 0 && Number.isFinite(rate))) {
    throw new KafkaConnectorError('BAD_CONFIG', `produce ratePerSec must be a positive number, got ${rate}`);
  }
  // Batches of at most a tenth of a second's allowance, so a limited run is paced smoothly, not burst-then-wait.
  const batchSize = rate === undefined ? settings.batchSize : Math.max(1, Math.min(settings.batchSize, Math.floor(rate / 10)));
  const lingerMs = settings.lingerMs ?? 100;

  const producer = createKafka(options, clientOptions).producer({
    createPartitioner: Partitioners.DefaultPartitioner, // murmur2, as the Java client: same key, same partition
    allowAutoTopicCreation: false,
  });
  const stats: ProduceStats = { sent: 0, batches: 0, byTopic: {}, elapsedMs: 0 };
  const started = Date.now();
  let batch: ProduceRecord[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    if (rate !== undefined) {
      // The first record of this batch may go out at start + sent/rate.
      const due = started + (stats.sent / rate) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const byTopic = new Map<string, Message[]>();
    for (const r of batch) {
      let messages = byTopic.get(r.topic);
      if (!messages) byTopic.set(r.topic, (messages = []));
      messages.push({ key: r.key, value: r.value, headers: r.headers });
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    for (const [topic, messages] of byTopic) stats.byTopic[topic] = (stats.byTopic[topic] ?? 0) + messages.length;
    stats.sent += batch.length;
    stats.batches += 1;
    settings.onBatch?.({ records: batch.length, sent: stats.sent });
    batch = [];
  };

  const iterator =
    Symbol.asyncIterator in records
      ? (records as AsyncIterable<ProduceRecord>)[Symbol.asyncIterator]()
      : (records as Iterable<ProduceRecord>)[Symbol.iterator]();
  const aborted = new Promise<'abort'>((r) => {
    if (settings.signal?.aborted) r('abort');
    settings.signal?.addEventListener('abort', () => r('abort'), { once: true });
  });
  let pending: Promise<IteratorResult<ProduceRecord>> | null = null;
  try {
    await producer.connect();
    for (;;) {
      pending ??= Promise.resolve(iterator.next());
      let timer: NodeJS.Timeout | undefined;
      const waits: Promise<IteratorResult<ProduceRecord> | 'linger' | 'abort'>[] = [pending, aborted];
      if (batch.length > 0) waits.push(new Promise<'linger'>((r) => (timer = setTimeout(() => r('linger'), lingerMs))));
      const next = await Promise.race(waits);
      clearTimeout(timer);
      if (next === 'abort') break;
      if (next === 'linger') {
        await flush(); // `pending` stays: the source's next record is still on its way
        continue;
      }
      pending = null;
      if (next.done) break;
      const record = next.value;
      if (!record.key) {
        throw new KafkaConnectorError('BAD_CONFIG', `produce: a record for topic ${record.topic} has no key (conversation id)`);
      }
      batch.push(record);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } catch (err) {
    throw classifyKafkaError(err, options);
  } finally {
    stats.elapsedMs = Date.now() - started;
    // With a next() still pending (abort), an async generator would run return() only after it: do not wait.
    const closing = Promise.resolve(iterator.return?.()).catch(() => {});
    if (pending === null) await closing;
    await producer.disconnect().catch(() => {});
  }
  return stats;
}

/** A validated turn as a Kafka record on the turns topic, keyed by its conversation. */
export function turnRecord(turn: Turn, topics: KafkaTopics): ProduceRecord {
  return { topic: topics.turns, key: turn.conversation_id, value: JSON.stringify(turn) };
}

/**
 * A feedback event on the feedback topic. Events name only their message, so the caller supplies the message's
 * conversation: keying by it puts a conversation's turns and feedback on the same partition number.
 */
export function feedbackRecord(event: FeedbackEvent, conversationId: string, topics: KafkaTopics): ProduceRecord {
  return { topic: topics.feedback, key: conversationId, value: JSON.stringify(event) };
}
