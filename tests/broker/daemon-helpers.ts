// Shared pieces of the daemon broker tests: a synthetic corpus with its ground truth, a dead-letter reader that keeps
// headers, and an exactly-once check over every partition store (by id, in one DuckDB with the stores attached).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Kafka } from 'kafkajs';
import { generateLines } from '../../src/generator.js';
import { uniqueName } from './harness.js';
import { ensureTopics, parseKafkaOptions, type KafkaOptions } from '../../connectors/kafka.js';

export const REPO = join(import.meta.dirname, '..', '..');

export interface Corpus {
  lines: string[];
  turnIds: Set<string>;
  assistantIds: Set<string>;
  eventIds: Set<string>;
}

export function corpus(conversations: number, seed: number): Corpus {
  const c: Corpus = { lines: [], turnIds: new Set(), assistantIds: new Set(), eventIds: new Set() };
  for (const line of generateLines({ seed, conversations })) {
    c.lines.push(line);
    const r = JSON.parse(line) as { type: string; message_id: string; role?: string; event_id?: string };
    if (r.type === 'turn') {
      c.turnIds.add(r.message_id);
      if (r.role === 'assistant') c.assistantIds.add(r.message_id);
    } else if (r.event_id) c.eventIds.add(r.event_id);
  }
  return c;
}

export interface DaemonFixture {
  kafka: KafkaOptions;
  groupId: string;
  stateDir: string;
  lakeDir: string;
  /** `feedback-miner daemon` arguments for all of the above (no metrics server, warnings only). */
  args: string[];
}

/** Fresh topics (created with `partitions`), a group id, state and lake dirs under `dir`, and the daemon's arguments. */
export async function daemonFixture(
  bootstrap: string,
  dir: string,
  o: { partitions: number; exportIntervalMs: number; dirPrefix?: string },
): Promise<DaemonFixture> {
  const kafka = parseKafkaOptions({
    brokers: bootstrap,
    topics: { turns: uniqueName('turns'), feedback: uniqueName('feedback'), deadLetter: uniqueName('dlq') },
  });
  await ensureTopics(kafka, { numPartitions: o.partitions });
  const groupId = uniqueName('g');
  const stateDir = join(dir, `${o.dirPrefix ?? ''}state`);
  const lakeDir = join(dir, `${o.dirPrefix ?? ''}lake`);
  const args = [
    '--brokers', bootstrap, '--group-id', groupId, '--state-dir', stateDir, '--lake-dir', lakeDir,
    '--turns-topic', kafka.topics.turns, '--feedback-topic', kafka.topics.feedback, '--dead-letter-topic', kafka.topics.deadLetter,
    '--export-interval-ms', String(o.exportIntervalMs), '--session-timeout-ms', '6000', '--no-metrics', '--log-level', 'warn',
  ];
  return { kafka, groupId, stateDir, lakeDir, args };
}

/** Attaches every partition store (p-*.duckdb) of a state dir read-only to `conn`; returns their aliases and files. */
async function attachStores(conn: DuckDBConnection, stateDir: string): Promise<{ alias: string; file: string }[]> {
  const files = existsSync(stateDir) ? readdirSync(stateDir).filter((f) => /^p-\d+\.duckdb$/.test(f)) : [];
  const parts = files.map((file, i) => ({ alias: `p${i}`, file }));
  for (const p of parts) await conn.run(`ATTACH '${join(stateDir, p.file)}' AS ${p.alias} (READ_ONLY)`);
  return parts;
}

export interface DeadLetterMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Reads `count` messages (then `settleMs` more, to catch extras) from a dead-letter topic, headers included. */
export async function readDeadLetters(kafka: Kafka, topic: string, count: number, { timeoutMs = 60_000, settleMs = 1500 } = {}): Promise<DeadLetterMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('fm-dlq-reader'), maxWaitTimeInMs: 100 });
  const out: DeadLetterMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${count} dead letters in ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
            out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
            if (out.length === count) {
              clearTimeout(timer);
              setTimeout(resolve, settleMs);
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

export interface StoreCheck {
  turns: Map<string, number>;
  verdicts: Map<string, number>;
  events: Map<string, number>;
  duplicateSignals: number;
  signals: number;
  stores: number;
}

/** Counts every turn, verdict and event id over all p-*.duckdb stores of a state dir (stores must be closed). */
export async function checkStores(stateDir: string): Promise<StoreCheck> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const parts = await attachStores(conn, stateDir);
    const union = (table: string, cols: string) => parts.map((p) => `SELECT ${cols} FROM ${p.alias}.${table}`).join(' UNION ALL ') || `SELECT NULL WHERE false`;
    const counts = async (table: string, id: string) => {
      const rows = (await (await conn.runAndReadAll(`SELECT ${id} AS id, count(*) AS n FROM (${union(table, id)}) GROUP BY 1`)).getRowObjectsJS()) as Array<{ id: string; n: bigint }>;
      return new Map(rows.map((r) => [r.id, Number(r.n)]));
    };
    const sig = (await (
      await conn.runAndReadAll(`SELECT count(*) AS n, count(DISTINCT (message_id, detector, detector_version)) AS d FROM (${union('signals', 'message_id, detector, detector_version')})`)
    ).getRowObjectsJS()) as Array<{ n: bigint; d: bigint }>;
    return {
      turns: await counts('turns', 'message_id'),
      verdicts: await counts('verdicts', 'message_id'),
      events: await counts('feedback_events', 'event_id'),
      duplicateSignals: Number(sig[0].n) - Number(sig[0].d),
      signals: Number(sig[0].n),
      stores: parts.length,
    };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Ids of `expected` missing from `counts` and ids stored more than once (both empty when exactly once). */
export function exactlyOnce(expected: Set<string>, counts: Map<string, number>): { missing: string[]; duplicated: string[]; unexpected: string[] } {
  const missing = [...expected].filter((id) => !counts.has(id));
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = [...counts.keys()].filter((id) => !expected.has(id));
  return { missing, duplicated, unexpected };
}

/** Runs `feedback-miner daemon` as a child process (tsx), stderr kept in memory for diagnostics. */
export function spawnDaemon(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { logs: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli.ts'), 'daemon', ...args], {
    cwd: REPO,
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  }) as ChildProcess & { logs: string[] };
  child.logs = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    child.logs.push(d);
    if (child.logs.length > 400) child.logs.splice(0, 100);
  });
  return child;
}

export const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => child.once('exit', () => r()));

/** Polls a predicate until true or the timeout (then throws with `what`). */
export async function waitFor(what: string, pred: () => Promise<boolean> | boolean, timeoutMs = 120_000, everyMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Sum of the committed group offsets' lag: 0 when the group has read everything on the topics. */
export async function groupLag(kafka: Kafka, groupId: string, topics: string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let lag = 0;
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      const at = new Map(committed[0].partitions.map((p) => [p.partition, Number(p.offset)]));
      for (const e of ends) lag += Number(e.high) - Math.max(0, at.get(e.partition) ?? 0);
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

/**
 * For a failing lake check: per partition store, the stored turns whose message_id is in no lake segment, with their
 * offsets and the store's segment ranges, so a gap can be traced to an export.
 */
export async function lakeGaps(stateDir: string, lakeDir: string): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const out: string[] = [];
  try {
    await conn.run(`CREATE TABLE lake AS SELECT message_id, lake_seg, filename FROM read_parquet('${lakeDir}/turns/*/*.parquet', filename = true)`);
    for (const { alias, file: f } of await attachStores(conn, stateDir)) {
      const missing = (await (await conn.runAndReadAll(`SELECT count(*) AS n, min(source_line) AS lo, max(source_line) AS hi
        FROM ${alias}.turns t WHERE NOT EXISTS (SELECT 1 FROM lake l WHERE l.message_id = t.message_id)`)).getRowObjectsJson())[0];
      if (Number(missing.n) === 0) continue;
      const segs = (await (await conn.runAndReadAll(`SELECT seq, turns_from, turns_to, rows FROM ${alias}.lake_segments ORDER BY seq`)).getRowObjectsJson())
        .map((s) => `${s.seq}:[${s.turns_from},${s.turns_to})`);
      out.push(`${f}: ${missing.n} turns missing from the lake, offsets ${missing.lo}..${missing.hi}; segments ${segs.join(' ')}`);
    }
  } catch (e) {
    out.push(`lakeGaps failed: ${(e as Error).message}`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return out.join('\n') || 'no stored turn is missing from the lake';
}
