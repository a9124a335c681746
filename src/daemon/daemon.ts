// The streaming daemon: a kafkajs consumer group on the turns and feedback topics that validates messages like the
// file path, stores them and re-judges touched conversations in one DuckDB transaction per batch together with the
// next offsets (exactly-once effect), dead-letters what fails, and hands sealed Parquet segments to the lake.
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { Partitioners, type Consumer, type EachBatchPayload, type KafkaMessage, type Producer } from 'kafkajs';
import { classifyKafkaError, createKafka, describeKafkaOptions, KafkaConnectorError } from '../../connectors/kafka.js';
import { detectLayout, normaliseRecord } from '../../connectors/formats.js';
import type { IngestRecord, Reject } from '../model.js';
import { loadConfig } from '../config.js';
import type { DetectorConfig } from '../../detectors/config.js';
import { MinerError, errorMessage } from '../errors.js';
import { coPartitionAssigner } from './assigner.js';
import type { DaemonConfig } from './config.js';
import { createDaemonMetrics, startMetricsServer, type DaemonMetrics } from './metrics.js';
import { cleanLakeTmp, kafkaOrigin, PartitionState, type BatchResult } from './partition.js';

/** Why a message was dead-lettered; goes into the fm-* headers. */
export interface DeadLetter {
  message: KafkaMessage;
  stage: 'validation' | 'merge' | 'processing';
  field: string;
  reason: string;
}

export const DEAD_LETTER_HEADERS = ['fm-reason', 'fm-field', 'fm-stage', 'fm-origin-topic', 'fm-origin-partition', 'fm-origin-offset'] as const;

/** What a committed batch did; for tests and the benchmark (produce->verdict latency uses message timestamps). */
export interface CommittedBatch {
  topic: string;
  partition: number;
  /** Messages whose effect became durable in this transaction (replays skipped before it are not included). */
  messages: Array<{ offset: string; timestamp: string }>;
  result: BatchResult | null;
  deadLettered: number;
  committedAt: number;
}

export interface DaemonOptions {
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  onCommitted?: (batch: CommittedBatch) => void;
}

export interface DaemonHandle {
  metrics: DaemonMetrics;
  /** Base URL of the metrics/probe server, when it runs. */
  url: string | null;
  /** Finish the batches in flight, commit, export to the lake, close every store. Idempotent. */
  stop(): Promise<void>;
  /** Settles when the daemon has stopped. */
  stopped: Promise<void>;
}

/** Parses and validates one message value exactly as a line of a log file; a reject names the field. */
export function validateMessage(
  message: KafkaMessage,
  topic: string,
  partition: number,
): { records: IngestRecord[]; reject: Reject | null } {
  const origin = { file: kafkaOrigin(topic, partition), line: Number(message.offset) };
  const fail = (field: string, reason: string) => ({ records: [], reject: { ...origin, field, reason } });
  if (!message.value || message.value.length === 0) return fail('(value)', 'empty message');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value.toString('utf8'));
  } catch (e) {
    return fail('(value)', `invalid JSON: ${errorMessage(e)}`);
  }
  const layout = detectLayout(parsed);
  if (!layout) return fail('(record)', 'unknown record layout (expected a native turn/feedback record or a conversation)');
  const r = normaliseRecord(parsed, layout, origin);
  return r.rejects.length ? { records: [], reject: r.rejects[0] } : { records: r.records, reject: null };
}

class DeadLetterPublishError extends Error {
  readonly retriable = true;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startDaemon(config: DaemonConfig, opts: DaemonOptions = {}): Promise<DaemonHandle> {
  const log = opts.logger ?? pino({ level: config.logLevel, base: { component: 'daemon' } }, pino.destination(2));
  const topics = config.kafka.topics;
  const metrics = createDaemonMetrics();
  const detectorConfig: DetectorConfig | undefined = config.detectorConfigFile ? loadConfig(config.detectorConfigFile).detectors : undefined;
  mkdirSync(config.stateDir, { recursive: true });
  if (config.lakeDir) mkdirSync(config.lakeDir, { recursive: true });
  log.info({ kafka: describeKafkaOptions(config.kafka), groupId: config.groupId, stateDir: config.stateDir, lakeDir: config.lakeDir ?? null }, 'starting');

  const kafka = createKafka(config.kafka, { logger: log, logLevel: 'warn', env: opts.env });

  const states = new Map<number, PartitionState>();
  const lastExport = new Map<number, number>();
  const locks = new Map<number, Promise<unknown>>();
  const sought = new Set<string>();
  // Partition numbers of the latest assignment: a store opened after its partition moved away is closed at once.
  let assigned = new Set<number>();
  let consumer: Consumer | null = null;
  let stopping = false;
  let joined = false;
  let crashed = false;
  let http: { server: Server; url: string } | null = null;

  // Each partition's store is used by one task at a time: turns-p and feedback-p batches, exports and closing.
  const withPartition = <T>(p: number, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(p) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    locks.set(p, next.catch(() => undefined));
    return next;
  };

  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await producer.connect();
  } catch (e) {
    throw asMinerError(classifyKafkaError(e, config.kafka));
  }

  const publishDeadLetters = async (topic: string, partition: number, letters: DeadLetter[]) => {
    if (letters.length === 0) return;
    const messages = letters.map((d) => ({
      key: d.message.key,
      value: d.message.value,
      headers: {
        'fm-reason': d.reason,
        'fm-field': d.field,
        'fm-stage': d.stage,
        'fm-origin-topic': topic,
        'fm-origin-partition': String(partition),
        'fm-origin-offset': d.message.offset,
      },
    }));
    for (let attempt = 0; ; attempt++) {
      try {
        await producer.send({ topic: topics.deadLetter, acks: -1, messages });
        metrics.deadLettered.inc({ topic }, letters.length);
        return;
      } catch (e) {
        if (attempt >= config.retries) {
          throw new DeadLetterPublishError(`dead-letter publish to ${topics.deadLetter} failed ${attempt + 1} times: ${errorMessage(e)}`, { cause: e });
        }
        log.warn({ err: errorMessage(e), attempt }, 'dead-letter publish failed; retrying');
        await sleep(200 * 2 ** attempt);
      }
    }
  };

  // A lock wait here can be long (the previous owner finishing its last batch): a batch waiting on it keeps the group
  // session alive with its own heartbeats (eachBatch), and a store opened on assignment runs outside any batch.
  const stateFor = async (p: number): Promise<PartitionState> => {
    let s = states.get(p);
    if (s) return s;
    s = await PartitionState.open(config.stateDir, p, topics, {
      threads: config.storeThreads,
      memoryLimit: config.partitionMemoryLimit,
      waitMs: Math.max(30_000, config.sessionTimeoutMs * 3),
    });
    if (config.lakeDir) cleanLakeTmp(config.lakeDir, p);
    states.set(p, s);
    lastExport.set(p, Date.now());
    metrics.owned.set(states.size);
    log.info({ partition: p, path: PartitionState.path(config.stateDir, p), offsets: Object.fromEntries([...(await s.nextOffsets())].map(([k, v]) => [k, String(v)])) }, 'partition store opened');
    return s;
  };

  const exportPartition = async (p: number) => {
    const s = states.get(p);
    if (!s || !config.lakeDir) return;
    const seg = await s.exportSegment(config.lakeDir);
    lastExport.set(p, Date.now());
    if (seg) {
      metrics.segments.inc();
      log.info({ partition: p, seq: seg.seq, rows: seg.rows }, 'lake segment sealed');
    }
    metrics.storeMemory.set({ partition: String(p) }, await s.memoryBytes());
    const pruned = await s.prune({ idleMs: config.idleConversationMs, maxConversations: config.maxOpenConversations });
    if (pruned) {
      metrics.pruned.inc(pruned);
      log.info({ partition: p, conversations: pruned }, 'sealed idle conversations pruned from the partition store');
    }
  };

  const releasePartition = async (p: number) => {
    const s = states.get(p);
    if (!s) return;
    try {
      await exportPartition(p);
    } catch (e) {
      log.error({ partition: p, err: errorMessage(e) }, 'lake export at release failed (the next owner exports it)');
    }
    s.close();
    states.delete(p);
    metrics.storeMemory.remove({ partition: String(p) });
    metrics.owned.set(states.size);
    log.info({ partition: p }, 'partition store closed');
  };

  /** Validates a batch's messages once, as the file path does: records to store; the invalid become dead letters. */
  const validateBatch = (fresh: KafkaMessage[], topic: string, partition: number) => {
    const letters: DeadLetter[] = [];
    const records: IngestRecord[] = [];
    const rejects: Reject[] = [];
    for (const m of fresh) {
      const v = validateMessage(m, topic, partition);
      if (v.reject) {
        letters.push({ message: m, stage: 'validation', field: v.reject.field, reason: v.reject.reason });
        rejects.push(v.reject);
      } else records.push(...v.records);
    }
    return { records, rejects, letters };
  };

  /**
   * Stores a batch in one transaction (merge rejects dead-lettered inside it), retried with backoff; when it keeps
   * failing, message by message, dead-lettering the ones that cannot be stored. The result is null after that
   * fallback; `deadLettered` counts the merge and processing dead letters it sent.
   */
  const storeBatch = async (
    state: PartitionState,
    topic: string,
    partition: number,
    fresh: KafkaMessage[],
    records: IngestRecord[],
    rejects: Reject[],
    nextOffset: bigint,
  ): Promise<{ result: BatchResult | null; deadLettered: number }> => {
    const byOffset = new Map(fresh.map((m) => [Number(m.offset), m]));
    const apply = (recs: IngestRecord[], rej: Reject[], next: bigint) =>
      state.applyBatch({ topic, nextOffset: next, records: recs, rejects: rej }, detectorConfig, async (r) => {
        const mergeLetters = r.mergeRejects
          .map((x) => ({ message: byOffset.get(x.line)!, stage: 'merge' as const, field: x.field, reason: x.reason }))
          .filter((d) => d.message);
        await publishDeadLetters(topic, partition, mergeLetters);
        metrics.rejected.inc({ topic, stage: 'merge' }, mergeLetters.length);
      });
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await apply(records, rejects, nextOffset);
        return { result, deadLettered: result.mergeRejects.length };
      } catch (e) {
        if (e instanceof DeadLetterPublishError) throw e;
        log.error({ topic, partition, attempt, err: errorMessage(e) }, 'batch transaction failed');
        if (attempt < config.retries) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        // The batch keeps failing: find the messages that cannot be stored, one at a time, and dead-letter them.
        let deadLettered = 0;
        for (const m of fresh) {
          const recs = records.filter((r) => r.origin.line === Number(m.offset));
          if (recs.length === 0) continue;
          try {
            const r = await apply(recs, [], BigInt(m.offset) + 1n);
            deadLettered += r.mergeRejects.length;
          } catch (err) {
            if (err instanceof DeadLetterPublishError) throw err;
            await publishDeadLetters(topic, partition, [{ message: m, stage: 'processing', field: '(record)', reason: `store failed: ${errorMessage(err)}` }]);
            metrics.rejected.inc({ topic, stage: 'processing' });
            deadLettered++;
          }
        }
        await state.advanceOffset(topic, nextOffset);
        return { result: null, deadLettered };
      }
    }
  };

  const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    if (batch.isEmpty() || !isRunning() || isStale()) return;
    const { topic, partition } = batch;
    const t0 = process.hrtime.bigint();
    metrics.received.inc({ topic }, batch.messages.length);
    // The partition may be busy (a store opening on assignment, waiting for the previous owner's lock, or an
    // export): keep the group session alive while this batch waits for it and runs.
    const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), Math.max(500, Math.floor(config.heartbeatIntervalMs)));
    try {
      await withPartition(partition, async () => {
        const state = await stateFor(partition);
        if (!assigned.has(partition) || isStale()) {
          // The lock wait outlasted a rebalance: the partition is someone else's now; let them have the file.
          if (!assigned.has(partition)) await releasePartition(partition);
          return;
        }
        const stored = (await state.nextOffsets()).get(topic);
        const first = BigInt(batch.firstOffset() ?? batch.messages[0].offset);
        const key = `${topic}/${partition}`;
        // Kafka's committed offset is only a hint: it can lag the store (crash between store commit and Kafka commit),
        // which the filter below handles, or lead it (a store restored from backup), where we go back once.
        if (stored !== undefined && first > stored && !sought.has(key)) {
          sought.add(key);
          log.warn({ topic, partition, kafkaOffset: String(first), storeOffset: String(stored) }, 'store is behind Kafka; seeking back');
          consumer?.seek({ topic, partition, offset: String(stored) });
          return;
        }
        sought.add(key);
        const fresh = batch.messages.filter((m) => stored === undefined || BigInt(m.offset) >= stored);
        const lastOffset = batch.messages[batch.messages.length - 1].offset;
        const nextOffset = BigInt(lastOffset) + 1n;
        const { records, rejects, letters } = validateBatch(fresh, topic, partition);
        metrics.rejected.inc({ topic, stage: 'validation' }, letters.length);
        // Published (and acknowledged) before the transaction that moves the offset past them.
        await publishDeadLetters(topic, partition, letters);
        let result: BatchResult | null = null;
        let deadLettered = letters.length;
        if (fresh.length > 0) {
          const outcome = await storeBatch(state, topic, partition, fresh, records, rejects, nextOffset);
          result = outcome.result;
          deadLettered += outcome.deadLettered;
          if (result) {
            metrics.turnsStored.inc({ topic }, result.turnsInserted);
            metrics.eventsStored.inc({ topic }, result.eventsInserted);
            metrics.replayed.inc({ topic }, result.replays);
            metrics.judged.inc(result.assistantTurnsJudged);
          }
        }
        metrics.processed.inc({ topic }, fresh.length);
        const committedAt = Date.now();
        for (const m of fresh) metrics.produceToCommit.observe({ topic }, Math.max(0, committedAt - Number(m.timestamp)) / 1000);
        opts.onCommitted?.({
          topic,
          partition,
          messages: fresh.map((m) => ({ offset: m.offset, timestamp: m.timestamp })),
          result,
          deadLettered,
          committedAt,
        });
        resolveOffset(lastOffset);
        const hw = BigInt(batch.highWatermark);
        metrics.lag.set({ topic, partition: String(partition) }, Number(hw > nextOffset ? hw - nextOffset : 0n));
        metrics.batchSeconds.observe({ topic }, Number(process.hrtime.bigint() - t0) / 1e9);
        if (config.lakeDir && Date.now() - (lastExport.get(partition) ?? 0) >= config.exportIntervalMs) await exportPartition(partition);
        // A hint for the next owner's starting point; the store already holds the truth, so a failure is harmless.
        await consumer?.commitOffsets([{ topic, partition, offset: String(nextOffset) }]).catch((e) => {
          log.warn({ topic, partition, err: errorMessage(e) }, 'Kafka offset commit failed (the store offset is authoritative)');
        });
      });
    } finally {
      clearInterval(keepAlive);
    }
    await heartbeat().catch(() => undefined);
  };

  const runConsumer = async (): Promise<void> => {
    const c = kafka.consumer({
      groupId: config.groupId,
      partitionAssigners: [coPartitionAssigner],
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: config.heartbeatIntervalMs,
      maxBytesPerPartition: config.maxBytesPerPartition,
      maxWaitTimeInMs: config.maxWaitTimeMs,
      minBytes: config.minBytes,
      allowAutoTopicCreation: false,
    });
    consumer = c;
    c.on(c.events.GROUP_JOIN, (e) => {
      assigned = new Set<number>([...(e.payload.memberAssignment[topics.turns] ?? []), ...(e.payload.memberAssignment[topics.feedback] ?? [])]);
      log.info({ memberId: e.payload.memberId, partitions: [...assigned].sort((a, b) => a - b) }, 'joined group');
      joined = true;
      crashed = false;
      sought.clear();
      // Close the stores of partitions that moved away, so their new owner can open them.
      for (const p of [...states.keys()]) if (!assigned.has(p)) void withPartition(p, () => releasePartition(p));
      // Open the stores of new partitions now and seal what their previous owner stored but did not export: with no
      // new traffic on a partition no batch would ever open its store, and that tail would never reach the lake.
      if (config.lakeDir) {
        for (const p of assigned) {
          if (states.has(p)) continue;
          void withPartition(p, async () => {
            if (stopping || !assigned.has(p) || states.has(p)) return;
            await stateFor(p);
            if (!assigned.has(p)) await releasePartition(p);
            else await exportPartition(p);
          }).catch((e) => log.error({ partition: p, err: errorMessage(e) }, 'opening the partition store on assignment failed'));
        }
      }
    });
    c.on(c.events.REBALANCING, () => {
      joined = false;
    });
    c.on(c.events.CRASH, (e) => {
      const err = classifyKafkaError(e.payload.error, config.kafka);
      log.error({ err: errorMessage(err), restart: e.payload.restart }, 'consumer crashed');
      joined = false;
      if (!e.payload.restart && !stopping) {
        crashed = true;
        // kafkajs gives up on errors it deems fatal; the daemon must not: start a fresh consumer after a pause.
        setTimeout(() => {
          if (!stopping) void runConsumer().catch((err2) => log.error({ err: errorMessage(err2) }, 'consumer restart failed'));
        }, 2000);
      }
    });
    await c.connect();
    await c.subscribe({ topics: [topics.turns, topics.feedback], fromBeginning: true });
    await c.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: config.partitionsConcurrently, eachBatch });
  };

  try {
    await runConsumer();
  } catch (e) {
    await producer.disconnect().catch(() => undefined);
    throw asMinerError(classifyKafkaError(e, config.kafka));
  }

  const exportTimer = config.lakeDir
    ? setInterval(() => {
        for (const p of states.keys())
          if (Date.now() - (lastExport.get(p) ?? 0) >= config.exportIntervalMs)
            void withPartition(p, () => exportPartition(p)).catch((e) => log.error({ partition: p, err: errorMessage(e) }, 'lake export failed'));
      }, Math.min(config.exportIntervalMs, 5000))
    : null;
  exportTimer?.unref();

  if (config.metrics) {
    http = await startMetricsServer(
      metrics,
      { healthy: () => !crashed && !stopping, ready: () => joined && !stopping },
      config.metrics.host,
      config.metrics.port,
    );
    log.info({ url: http.url }, 'metrics and probes listening');
  }

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping$: Promise<void> | null = null;
  const stop = () =>
    (stopping$ ??= (async () => {
      stopping = true;
      log.info('stopping: finishing the batches in flight');
      if (exportTimer) clearInterval(exportTimer);
      await consumer?.disconnect().catch((e) => log.warn({ err: errorMessage(e) }, 'consumer disconnect'));
      await Promise.all([...locks.values()]); // tasks already queued (batches, exports, stores opening) finish first
      for (const p of [...states.keys()]) await withPartition(p, () => releasePartition(p));
      await producer.disconnect().catch(() => undefined);
      if (http) await new Promise<void>((r) => http!.server.close(() => r()));
      log.info('stopped');
      resolveStopped();
    })());
  return { metrics, url: http?.url ?? null, stop, stopped };
}

function asMinerError(e: unknown): unknown {
  if (e instanceof KafkaConnectorError) return new MinerError(e.code === 'AUTH' ? 'AUTH' : e.code === 'BAD_CONFIG' ? 'BAD_CONFIG' : 'BROKER_UNAVAILABLE', e.message, { cause: e, retriable: e.retriable });
  return e;
}
