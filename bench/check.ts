// `npm run bench:check`: compares the benchmark ratios in bench/results.json with bench/baseline.json and exits 1
// when one falls below 0.85 x its baseline (or, for lower-is-better ratios, rises above baseline / 0.85).
// Usage: node --import tsx bench/check.ts [--results FILE] [--baseline FILE] [--update-baseline]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkedRatios, type Results } from './lib/results.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const TOLERANCE = 0.85;

interface Baseline {
  updated: string;
  fromCommit: string | null;
  ratios: Record<string, { value: number; higherIsBetter: boolean; label: string }>;
}

const { values: args } = parseArgs({
  options: {
    results: { type: 'string', default: join(ROOT, 'bench/results.json') },
    baseline: { type: 'string', default: join(ROOT, 'bench/baseline.json') },
    'update-baseline': { type: 'boolean', default: false },
  },
});

function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) {
    process.stderr.write(`bench/check: ${what} ${path} not found${what === 'results' ? ' (run `npm run bench` first)' : ' (create it with --update-baseline)'}\n`);
    process.exit(2);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const results = readJson<Results>(args.results, 'results');
const current = checkedRatios(results);

if (args['update-baseline']) {
  const commit = Object.values(results.sections).find((s) => s)?.machine.gitCommit ?? null;
  const baseline: Baseline = { updated: new Date().toISOString(), fromCommit: commit, ratios: Object.fromEntries(current.map((r) => [r.key, { value: r.value, higherIsBetter: r.higherIsBetter, label: r.label }])) };
  writeFileSync(args.baseline, JSON.stringify(baseline, null, 1) + '\n');
  process.stdout.write(`wrote ${args.baseline} with ${current.length} ratios\n`);
  process.exit(0);
}

const baseline = readJson<Baseline>(args.baseline, 'baseline');
const rows: string[][] = [];
let failed = 0;
for (const [key, base] of Object.entries(baseline.ratios)) {
  const now = current.find((r) => r.key === key);
  let status: string;
  let limit: number;
  if (base.higherIsBetter) limit = base.value * TOLERANCE;
  else limit = base.value / TOLERANCE;
  if (!now) status = 'not measured (skipped)';
  else if (base.higherIsBetter ? now.value >= limit : now.value <= limit) status = 'ok';
  else {
    status = 'REGRESSED';
    failed++;
  }
  rows.push([base.label, base.value.toFixed(3), now ? now.value.toFixed(3) : '—', `${base.higherIsBetter ? '>=' : '<='} ${limit.toFixed(3)}`, status]);
}
for (const r of current) if (!(r.key in baseline.ratios)) rows.push([r.label, '—', r.value.toFixed(3), 'no baseline', 'new']);

const head = ['ratio', 'baseline', 'now', 'limit', 'status'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
process.stdout.write([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n');
if (failed) {
  process.stderr.write(`bench/check: ${failed} ratio(s) below ${TOLERANCE} x baseline\n`);
  process.exit(1);
}
