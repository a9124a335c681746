// Daemon RSS soak: a real single-node broker, the compiled `feedback-miner daemon` and `feedback-miner produce` at a
// constant rate, and the daemon's VmRSS sampled every 5 s; prints one JSON object (samples after a warm-up).
// Usage: node --import tsx bench/lib/soak.ts [--seconds 600] [--rate 1000] [--partitions 6] [--warmup 60] [--max-open 1000] [--partition-memory 256MB]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, startBroker } from '../../tests/broker/harness.js';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    rate: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '60' },
    // Open conversations kept per partition store. Constant load means constant state: the bound is reached within
    // the warm-up (1,000 records/s is ~150 conversations/s, ~25 per partition per second).
    'max-open': { type: 'string', default: '1000' },
    // DuckDB memory limit of each partition store (the daemon's partitionMemoryLimit).
    'partition-memory': { type: 'string', default: '256MB' },
  },
});
const seconds = Number(args.seconds);
const rate = Number(args.rate);
const warmup = Number(args.warmup);
/** Records per synthetic conversation in the native layout (turns + feedback events), measured on the generator. */
const RECORDS_PER_CONVERSATION = 6.8;

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

/** The daemon's JS heap and external memory, and DuckDB's accounting of its stores, from its /metrics. */
async function daemonMemory(port: number): Promise<{ heapMiB: number; externalMiB: number; storesMiB: number } | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    // DuckDB's own accounting of the partition stores' buffers, summed over partitions (sampled at lake exports).
    const storesMiB = [...text.matchAll(/^fm_daemon_store_memory_bytes\{[^}]*\} (\S+)$/gm)].reduce((a, m) => a + Number(m[1]), 0) / 2 ** 20;
    return { heapMiB: metric('fm_daemon_process_nodejs_heap_size_used_bytes'), externalMiB: metric('fm_daemon_process_nodejs_external_memory_bytes'), storesMiB };
  } catch {
    return null;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'fm-soak-'));
const broker = await startBroker({ numPartitions: Number(args.partitions) });
const children: ChildProcess[] = [];
try {
  const kafka = ['--brokers', broker.bootstrap, '--turns-topic', 'soak.turns', '--feedback-topic', 'soak.feedback', '--dead-letter-topic', 'soak.dlq'];
  // Enough conversations that the producer is still sending at its rate when the soak ends.
  const conversations = Math.ceil((rate * (seconds + warmup + 120)) / RECORDS_PER_CONVERSATION);
  const create = spawn(process.execPath, ['dist/src/cli.js', 'produce', ...kafka, '--synthetic', '0', '--create-topics', args.partitions!], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if ((await exited(create)) !== 0) throw new Error('creating the soak topics failed');
  const metricsPort = await freePort();
  const daemonConfig = join(dir, 'daemon.json');
  writeFileSync(daemonConfig, JSON.stringify({ partitionMemoryLimit: args['partition-memory'] }));
  const daemonLog = openSync(join(dir, 'daemon.log'), 'w');
  const daemon = spawn(process.execPath, ['dist/src/cli.js', 'daemon', '--config', daemonConfig, ...kafka, '--group-id', 'soak', '--state-dir', join(dir, 'state'), '--lake-dir', join(dir, 'lake'), '--max-open-conversations', args['max-open']!, '--metrics-port', String(metricsPort), '--log-level', 'warn'], { cwd: ROOT, stdio: ['ignore', 'ignore', daemonLog] });
  children.push(daemon);
  const producer = spawn(process.execPath, ['dist/src/cli.js', 'produce', ...kafka, '--synthetic', String(conversations), '--rate', String(rate), '--json'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(producer);
  const samples: { t: number; rssMiB: number; heapMiB?: number; externalMiB?: number; storesMiB?: number }[] = [];
  const warmupSamples: typeof samples = [];
  const t0 = Date.now();
  while ((Date.now() - t0) / 1000 < warmup + seconds) {
    await sleep(5000);
    if (daemon.exitCode !== null) throw new Error(`the daemon exited (${daemon.exitCode}); see ${join(dir, 'daemon.log')}`);
    if (producer.exitCode !== null) throw new Error(`the producer stopped early (exit ${producer.exitCode}): the load was not constant`);
    const t = (Date.now() - t0) / 1000;
    const js = await daemonMemory(metricsPort);
    const r1 = (x: number) => Math.round(x * 10) / 10;
    const sample = { t: Math.round(t), rssMiB: r1(rssMiB(daemon.pid!)), ...(js ? { heapMiB: r1(js.heapMiB), externalMiB: r1(js.externalMiB), storesMiB: r1(js.storesMiB) } : {}) };
    // Warm-up samples are kept (the ramp is part of the picture) but the figures are over the measured window only.
    if (t >= warmup) samples.push(sample);
    else warmupSamples.push(sample);
  }
  const rss = samples.map((s) => s.rssMiB).sort((a, b) => a - b);
  const warmRss = warmupSamples.map((s) => s.rssMiB);
  const median = rss[Math.floor(rss.length / 2)];
  process.stdout.write(
    JSON.stringify({
      seconds,
      warmupSeconds: warmup,
      ratePerSecond: rate,
      partitions: Number(args.partitions),
      maxOpenConversations: Number(args['max-open']),
      partitionMemoryLimit: args['partition-memory'],
      samples: samples.length,
      medianMiB: median,
      minMiB: rss[0],
      maxMiB: rss[rss.length - 1],
      maxDeviation: Math.max(...rss.map((x) => Math.abs(x - median) / median)),
      firstMinuteMiB: samples.slice(0, 12).reduce((a, s) => a + s.rssMiB, 0) / Math.min(12, samples.length),
      lastMinuteMiB: samples.slice(-12).reduce((a, s) => a + s.rssMiB, 0) / Math.min(12, samples.length),
      warmupMinMiB: warmRss.length ? Math.min(...warmRss) : null,
      warmupMaxMiB: warmRss.length ? Math.max(...warmRss) : null,
      warmupSeries: warmupSamples,
      series: samples,
    }) + '\n',
  );
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => Promise.race([exited(c), sleep(15000)])));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
