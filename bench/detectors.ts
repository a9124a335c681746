// Benchmark: assistant turns per second of the full rule detector set + fusion, single thread. Run standalone on
// the USS dev set: `node --import tsx bench/detectors.ts [labelled.jsonl]`; the integrator feeds generator data.
import { pathToFileURL } from 'node:url';
import { defaultDetectorConfig, type DetectorConfig } from '../detectors/config.js';
import { createDetectors, detectConversation } from '../detectors/registry.js';
import type { Conversation } from '../src/model.js';

export interface DetectorBenchResult {
  conversations: number;
  assistantTurns: number;
  seconds: number;
  assistantTurnsPerSecond: number;
  /** CPU time of this process during the run: on a shared machine the wall-clock rate understates one core's rate. */
  cpuSeconds: number;
  assistantTurnsPerCpuSecond: number;
  /** DSAT verdicts seen, so the work cannot be optimised away and the run can be sanity-checked. */
  dsatVerdicts: number;
}

/** Runs detectors + fusion over the conversations `rounds` times (after one warm-up pass) and reports the rate. */
export async function benchDetectors(
  conversations: Conversation[],
  opts: { config?: DetectorConfig; rounds?: number } = {},
): Promise<DetectorBenchResult> {
  const config = opts.config ?? defaultDetectorConfig;
  const rounds = opts.rounds ?? 3;
  const detectors = createDetectors(config);
  const pass = () => {
    let turns = 0;
    let dsat = 0;
    for (const c of conversations) {
      for (const t of detectConversation(c, detectors, config)) {
        turns++;
        if (t.verdict.label === 'dsat') dsat++;
      }
    }
    return { turns, dsat };
  };
  pass(); // warm-up: JIT and the stemmer cache
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let turns = 0;
  let dsat = 0;
  for (let r = 0; r < rounds; r++) {
    const p = pass();
    turns += p.turns;
    dsat += p.dsat;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    conversations: conversations.length * rounds,
    assistantTurns: turns,
    seconds,
    assistantTurnsPerSecond: Math.round(turns / seconds),
    cpuSeconds,
    assistantTurnsPerCpuSecond: Math.round(turns / cpuSeconds),
    dsatVerdicts: dsat,
  };
}

async function main(): Promise<void> {
  const { readLabelled } = await import('../src/eval.js');
  const file = process.argv[2] ?? '/work/shared/datasets/uss.jsonl';
  const conversations: Conversation[] = [];
  for await (const labelled of readLabelled(file)) conversations.push(labelled.conversation);
  const result = await benchDetectors(conversations);
  process.stdout.write(JSON.stringify({ file, ...result }) + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    process.stderr.write(`bench/detectors: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
