// Benchmark of the streaming daemon against a real broker (tests/broker/harness.ts), printed as JSON on stdout:
// (1) sustained throughput on a backlog, next to a bare kafkajs consume loop over the same topics in the same run;
// (2) produce->verdict latency p50/p99 at a steady rate (default 5k turns/s) from `feedback-miner produce`.
// Run: `node --import tsx bench/stream.ts [--conversations 12000] [--rate 5000] [--seconds 20] [--partitions 6] [--daemons 2]
//   [--min-bytes 1] [--max-wait-ms 250] [--concurrency 2]` (fetch and concurrency tuning for the latency runs)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import { startBroker, uniqueName } from '../tests/broker/harness.js';
import { createKafka, ensureTopics, parseKafkaOptions, produceRecords, type KafkaOptions } from '../connectors/kafka.js';
import { generateLines } from '../src/generator.js';
import { linesToRecords } from '../src/daemon/produce.js';
import { resolveDaemonConfig } from '../src/daemon/config.js';
import { startDaemon, type CommittedBatch } from '../src/daemon/daemon.js';
import { exited, spawnDaemon } from '../tests/broker/daemon-helpers.js';

const { values: args } = parseArgs({
  options: {
    conversations: { type: 'string', default: '12000' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '20' },
    partitions: { type: 'string', default: '6' },
    daemons: { type: 'string', default: '2' },
    'min-bytes': { type: 'string', default: '1' },
    'max-wait-ms': { type: 'string', default: '250' },
    concurrency: { type: 'string', default: '2' },
  },
});
const CONVERSATIONS = Number(args.conversations);
const TURNS_PER_SEC = Number(args.rate);
const SECONDS = Number(args.seconds);
const PARTITIONS = Number(args.partitions);
const DAEMONS = Number(args.daemons);
const FETCH = { minBytes: Number(args['min-bytes']), maxWaitTimeMs: Number(args['max-wait-ms']), partitionsConcurrently: Number(args.concurrency) };
const REPO = join(import.meta.dirname, '..');

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function topicsOf(prefix: string) {
  return { turns: uniqueName(`${prefix}-turns`), feedback: uniqueName(`${prefix}-feedback`), deadLetter: uniqueName(`${prefix}-dlq`) };
}

/** kafkajs with nothing behind it: eachBatch counts and resolves; the ceiling for any consumer in this process. */
async function bareLoop(kafka: KafkaOptions, total: number): Promise<{ messages: number; seconds: number; perSecond: number }> {
  const consumer = createKafka(kafka).consumer({ groupId: uniqueName('bare'), maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topics: [kafka.topics.turns, kafka.topics.feedback], fromBeginning: true });
  let n = 0;
  let first = 0;
  const seconds = await new Promise<number>((resolve, reject) => {
    consumer
      .run({
        partitionsConsumedConcurrently: 2,
        eachBatch: async ({ batch }) => {
          if (!first) first = performance.now();
          n += batch.messages.length;
          if (n >= total) resolve((performance.now() - first) / 1000);
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { messages: n, seconds, perSecond: n / seconds };
}

/** Prometheus histogram_quantile over merged cumulative buckets (linear inside the bucket). */
function histogramQuantile(buckets: Map<number, number>, q: number): number {
  const les = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? 0;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const le of les) {
    const c = buckets.get(le)!;
    if (c >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, c - prevCount);
    }
    prevLe = le;
    prevCount = c;
  }
  return prevLe;
}

async function latencyRun(bootstrap: string, dir: string, name: string, daemons: number, quiet: Logger) {
  const lat = parseKafkaOptions({ brokers: bootstrap, topics: topicsOf(name) });
  await ensureTopics(lat, { numPartitions: PARTITIONS });
  // The generator makes about 6.2 turns per conversation and 1.085 records per turn.
  const recordsPerSec = Math.round(TURNS_PER_SEC * 1.085);
  const conversations = Math.ceil((TURNS_PER_SEC * SECONDS) / 6.2);
  const groupId = uniqueName(`daemon-${name}`);
  const stateDir = join(dir, `state-${name}`);
  const latencies: number[] = [];
  let committed = 0;
  let stopAll: () => Promise<void>;
  let urls: string[] = [];
  if (daemons === 1) {
    const config = resolveDaemonConfig({
      brokers: bootstrap, stateDir, groupId, noMetrics: true, ...FETCH,
      turnsTopic: lat.topics.turns, feedbackTopic: lat.topics.feedback, deadLetterTopic: lat.topics.deadLetter,
    }, {});
    const d = await startDaemon(config, {
      logger: quiet,
      onCommitted: (b: CommittedBatch) => {
        if (b.topic !== lat.topics.turns) return;
        for (const m of b.messages) latencies.push(b.committedAt - Number(m.timestamp));
        committed += b.messages.length;
      },
    });
    stopAll = () => d.stop();
  } else {
    const children = Array.from({ length: daemons }, () =>
      spawnDaemon(['--brokers', bootstrap, '--group-id', groupId, '--state-dir', stateDir, '--metrics-port', '0', '--log-level', 'info',
        '--min-bytes', String(FETCH.minBytes), '--max-wait-ms', String(FETCH.maxWaitTimeMs), '--partitions-concurrently', String(FETCH.partitionsConcurrently),
        '--turns-topic', lat.topics.turns, '--feedback-topic', lat.topics.feedback, '--dead-letter-topic', lat.topics.deadLetter]));
    const deadline = Date.now() + 60_000;
    while (urls.length < daemons && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      urls = children.map((c) => /"url":"(http:[^"]+)"/.exec(c.logs.join(''))?.[1]).filter((u): u is string => !!u);
    }
    stopAll = async () => {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map(exited));
    };
  }
  const scrape = async () => {
    const buckets = new Map<number, number>();
    let count = 0;
    for (const url of urls) {
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const m of text.matchAll(/^fm_daemon_produce_to_commit_seconds_bucket\{le="([^"]+)",topic="([^"]+)"\} (\d+)$/gm)) {
        if (m[2] !== lat.topics.turns) continue;
        const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
        buckets.set(le, (buckets.get(le) ?? 0) + Number(m[3]));
      }
    }
    count = buckets.get(Infinity) ?? 0;
    return { buckets, count };
  };
  await new Promise((r) => setTimeout(r, 4000)); // the group has formed before the stream starts
  const producer = spawn(process.execPath, [
    '--import', 'tsx', join(REPO, 'src', 'cli.ts'), 'produce', '--synthetic', String(conversations), '--seed', '2', '--rate', String(recordsPerSec),
    '--brokers', bootstrap, '--turns-topic', lat.topics.turns, '--feedback-topic', lat.topics.feedback, '--json',
  ], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' } });
  let out = '';
  producer.stdout.on('data', (d) => (out += d));
  await new Promise((r) => producer.once('exit', r));
  const produceStats = JSON.parse(out) as { sent: number; elapsedMs: number; byTopic: Record<string, number> };
  const turnsSent = produceStats.byTopic[lat.topics.turns] ?? 0;
  const deadline = Date.now() + 180_000;
  let hist = { buckets: new Map<number, number>(), count: 0 };
  for (;;) {
    if (daemons > 1) hist = await scrape();
    const done = daemons === 1 ? committed : hist.count;
    if (done >= turnsSent || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  await stopAll();
  const base = {
    daemons,
    targetTurnsPerSecond: TURNS_PER_SEC,
    achievedRecordsPerSecond: Math.round(produceStats.sent / (produceStats.elapsedMs / 1000)),
    turnMessages: turnsSent,
  };
  if (daemons === 1) {
    latencies.sort((a, b) => a - b);
    return { ...base, measured: latencies.length, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), maxMs: latencies[latencies.length - 1] };
  }
  return {
    ...base,
    measured: hist.count,
    p50Ms: Math.round(histogramQuantile(hist.buckets, 0.5) * 1000),
    p99Ms: Math.round(histogramQuantile(hist.buckets, 0.99) * 1000),
    note: "percentiles interpolated from the daemons' fm_daemon_produce_to_commit_seconds histograms",
  };
}

async function main() {
  const broker = await startBroker({ numPartitions: PARTITIONS });
  const dir = mkdtempSync(join(tmpdir(), 'fm-bench-stream-'));
  const quiet = pino({ level: 'warn' }, pino.destination(2));
  try {
    // ---- (1) throughput on a backlog
    const kafka = parseKafkaOptions({ brokers: broker.bootstrap, topics: topicsOf('thr') });
    await ensureTopics(kafka, { numPartitions: PARTITIONS });
    let turns = 0;
    const lines = [...generateLines({ seed: 1, conversations: CONVERSATIONS })];
    for (const l of lines) if (l.includes('"type":"turn"')) turns++;
    const produced = await produceRecords(kafka, linesToRecords(lines, kafka.topics), { batchSize: 1000 });
    const bare = await bareLoop(kafka, produced.sent);

    const config = resolveDaemonConfig({
      brokers: broker.bootstrap, stateDir: join(dir, 'state-thr'), groupId: uniqueName('daemon'), noMetrics: true,
      turnsTopic: kafka.topics.turns, feedbackTopic: kafka.topics.feedback, deadLetterTopic: kafka.topics.deadLetter,
    }, {});
    let done = 0;
    let first = 0;
    let finished!: () => void;
    const all = new Promise<void>((r) => (finished = r));
    const cpu0 = cpuSeconds();
    const daemon = await startDaemon(config, {
      logger: quiet,
      onCommitted: (b) => {
        if (!first) first = performance.now();
        done += b.messages.length;
        if (done >= produced.sent) finished();
      },
    });
    const t0 = performance.now();
    await all;
    const daemonSeconds = (performance.now() - first) / 1000;
    const daemonCpu = cpuSeconds() - cpu0;
    await daemon.stop();
    const throughput = {
      messages: produced.sent,
      turns,
      bareKafkajs: { messagesPerSecond: Math.round(bare.perSecond), seconds: +bare.seconds.toFixed(2) },
      daemon: {
        messagesPerSecond: Math.round(produced.sent / daemonSeconds),
        turnsPerSecond: Math.round(turns / daemonSeconds),
        seconds: +daemonSeconds.toFixed(2),
        startToCaughtUpSeconds: +((performance.now() - t0) / 1000).toFixed(2),
        cpuSeconds: +daemonCpu.toFixed(2),
      },
      ratioToBare: +(produced.sent / daemonSeconds / bare.perSecond).toFixed(3),
    };

    // ---- (2) produce -> verdict latency at a steady rate: one in-process daemon (exact per-message latencies), then
    // DAEMONS child processes in one group (scale-out; percentiles from their fm_daemon_produce_to_commit_seconds).
    const inProcess = await latencyRun(broker.bootstrap, dir, 'single', 1, quiet);
    const scaled = DAEMONS > 1 ? await latencyRun(broker.bootstrap, dir, 'group', DAEMONS, quiet) : null;
    process.stdout.write(JSON.stringify({ bench: 'stream', partitions: PARTITIONS, fetch: FETCH, cpus: cpus().length, throughput, latency: { inProcessDaemon: inProcess, [`${DAEMONS}DaemonProcesses`]: scaled } }, null, 2) + '\n');
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
