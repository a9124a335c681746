// The jobs behind `mine`, `ingest`, `detect` and `build`: each opens the store, runs its stages in one transaction
// (so a crash leaves nothing half-written), and returns a summary the CLI prints.
import { join } from 'node:path';
import { Store } from './store.js';
import { detectStored, ingestFiles, RejectsWriter, type DetectSummary, type IngestSummary } from './pipeline.js';
import { loadConfig, type RunConfig } from './config.js';
import { defaultReleasesDir } from './paths.js';
import type { Layout } from '../connectors/formats.js';
import { buildAndWriteRelease, type ChosenClientOptions, type ChosenFillReport } from '../builders/index.js';
import { createDetectors } from '../detectors/registry.js';
import { formatHackingJump, rewardHackingJumps, type HackingJump } from './monitors.js';
import { recordRelease } from './report/release-stats.js';

export interface MineOptions {
  inputs: string[];
  db: string;
  out: string;
  format?: Layout | 'auto';
  name: string;
  configFile?: string;
  rejectsPath: string | null;
  build: boolean;
  progress?: boolean;
  /** Fill DRIFT chosen answers from an OpenAI-compatible endpoint (off when absent). */
  chosenFrom?: ChosenClientOptions;
}

export interface BuildSummary {
  path: string;
  version: string;
  /** An identical release was already there; nothing was rewritten. */
  existed: boolean;
  rows: Record<string, { train: number; test: number }>;
  dropped: Record<string, number>;
  /** DRIFT chosen filling, when an endpoint was given. */
  chosenFill: ChosenFillReport | null;
}

export interface MineSummary {
  db: string;
  ingest: Omit<IngestSummary, 'merge'>;
  detect: DetectSummary;
  store: StoreTotals;
  release: BuildSummary | null;
  /** Reward-hacking rates that jumped between policy versions among this run's conversations. */
  hackingWarnings: HackingJump[];
  seconds: Record<string, number>;
}

const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

export interface StoreTotals {
  conversations: number;
  turns: number;
  /** Verdicts in the whole store (not only this run's), by label and by label:category. */
  verdicts: Record<string, number>;
  categories: Record<string, number>;
}

async function storeTotals(store: Store): Promise<StoreTotals> {
  const r = await store.rows<{ c: bigint; t: bigint }>('SELECT count(DISTINCT conversation_id) c, count(*) t FROM turns');
  const labels = await store.rows<{ label: string; n: bigint }>('SELECT label, count(*) n FROM verdicts GROUP BY 1 ORDER BY 1');
  const cats = await store.rows<{ k: string; n: bigint }>(
    "SELECT label || ':' || c AS k, count(*) n FROM (SELECT label, unnest(categories) c FROM verdicts WHERE label <> 'neutral') GROUP BY 1 ORDER BY 2 DESC, 1",
  );
  return {
    conversations: Number(r[0].c),
    turns: Number(r[0].t),
    verdicts: Object.fromEntries(labels.map((x) => [x.label, Number(x.n)])),
    categories: Object.fromEntries(cats.map((x) => [x.k, Number(x.n)])),
  };
}

export async function runMine(o: MineOptions): Promise<MineSummary> {
  const config = loadConfig(o.configFile);
  createDetectors(config.detectors); // fail on a bad detector config before reading any input
  const store = await Store.open(o.db);
  const seconds: Record<string, number> = {};
  try {
    const rejects = new RejectsWriter(o.rejectsPath);
    const { ingest, detect } = await store.transaction(async () => {
      let t0 = process.hrtime.bigint();
      const { merge: _merge, ...ingest } = await ingestFiles(store, o.inputs, rejects, { format: o.format });
      seconds.ingest = since(t0);
      t0 = process.hrtime.bigint();
      const detect = await detectStored(store, 'touched', config.detectors);
      seconds.detect = since(t0);
      return { ingest, detect };
    });
    await rejects.close();
    let release: BuildSummary | null = null;
    if (o.build) {
      const t0 = process.hrtime.bigint();
      release = await buildFromStore(store, join(o.out, 'releases'), o.name, config, o.chosenFrom);
      seconds.build = since(t0);
    }
    const hackingWarnings = await rewardHackingJumps(store, 'conversation_id IN (SELECT conversation_id FROM touched)');
    return { db: o.db, ingest, detect, store: await storeTotals(store), release, hackingWarnings, seconds };
  } finally {
    store.close();
  }
}

export async function runIngestOnly(o: { inputs: string[]; db: string; format?: Layout | 'auto'; rejectsPath: string | null }) {
  const store = await Store.open(o.db);
  try {
    const rejects = new RejectsWriter(o.rejectsPath);
    const { merge: _m, ...summary } = await store.transaction(() => ingestFiles(store, o.inputs, rejects, { format: o.format }));
    await rejects.close();
    return summary;
  } finally {
    store.close();
  }
}

export async function runDetectOnly(o: { db: string; configFile?: string }): Promise<DetectSummary> {
  const config = loadConfig(o.configFile);
  const store = await Store.open(o.db);
  try {
    return await store.transaction(() => detectStored(store, 'all', config.detectors));
  } finally {
    store.close();
  }
}

export async function runBuildOnly(o: {
  db: string;
  releasesDir?: string;
  name: string;
  configFile?: string;
  chosenFrom?: ChosenClientOptions;
}): Promise<BuildSummary> {
  const config = loadConfig(o.configFile);
  const store = await Store.open(o.db);
  try {
    return await buildFromStore(store, o.releasesDir ?? defaultReleasesDir(), o.name, config, o.chosenFrom);
  } finally {
    store.close();
  }
}

/** Stream judged conversations from the store through the builders and write one atomic release. */
export async function buildFromStore(
  store: Store,
  releasesDir: string,
  name: string,
  config: RunConfig,
  chosenFrom?: ChosenClientOptions,
): Promise<BuildSummary> {
  const watermark = await store.rows<{ w: string | null; n: bigint }>(
    "SELECT strftime(max(ts), '%Y-%m-%dT%H:%M:%S.%gZ') w, count(*) n FROM turns",
  );
  const detectorVersions = await store.rows<{ detector: string; detector_version: string }>(
    'SELECT detector, detector_version FROM v_detector_versions WHERE is_latest ORDER BY 1',
  );
  const inputWatermark = `turns=${Number(watermark[0].n)};max_ts=${watermark[0].w ?? 'none'}`;
  const { result, info } = await buildAndWriteRelease(store.judgedConversations('all'), config.release, {
    outDir: releasesDir,
    name,
    inputWatermark,
    detectorVersions: Object.fromEntries(detectorVersions.map((d) => [d.detector, d.detector_version])),
    chosenFrom,
  });
  if (!store.readOnly) await store.transaction(() => recordRelease(store, { name, info, result, windowLabel: null, inputWatermark }));
  const rows: BuildSummary['rows'] = {};
  for (const [b, r] of Object.entries(result.rows)) rows[b] = { train: r.train.length, test: r.test.length };
  const dropped: Record<string, number> = {};
  for (const [f, per] of Object.entries(result.dropped)) dropped[f] = Object.values(per).reduce((a, b) => a + b, 0);
  return { path: info.dir, version: info.version, existed: info.existed, rows, dropped, chosenFill: result.chosenFill };
}

export function formatMineSummary(s: MineSummary): string {
  const lines: string[] = [];
  const i = s.ingest;
  lines.push(`feedback-miner mine — store ${s.db}`);
  lines.push(`  read      ${i.files} file(s), ${i.linesRead} lines`);
  lines.push(`  stored    ${i.turnsInserted} new turns, ${i.eventsInserted} new feedback events (${i.replays} already stored)`);
  lines.push(`  rejected  ${i.rejected}${i.rejectsFile ? `  -> ${i.rejectsFile}` : ''}`);
  const d = s.detect;
  lines.push(`  judged    ${d.assistantTurns} assistant turns in ${d.conversations} new or changed conversations (${d.ambiguous} ambiguous for the rules)`);
  const t = s.store;
  lines.push(`  store     ${t.conversations} conversations, ${t.turns} turns; verdicts: ` +
    ['sat', 'dsat', 'neutral'].map((l) => `${l.toUpperCase()} ${t.verdicts[l] ?? 0}`).join(', '));
  for (const label of ['dsat', 'sat']) {
    const cats = Object.entries(t.categories).filter(([k]) => k.startsWith(label + ':'));
    if (cats.length) lines.push(`  ${label.toUpperCase().padEnd(9)} ` + cats.map(([k, n]) => `${k.slice(label.length + 1)} ${n}`).join(', '));
  }
  if (s.release) {
    const r = s.release;
    lines.push(`  release   ${r.path}${r.existed ? '  (unchanged: an identical release was already there)' : ''}`);
    lines.push('            ' + Object.entries(r.rows).map(([b, n]) => `${b} ${n.train}+${n.test}`).join(', ') + ' (train+test rows)');
    const dropped = Object.entries(r.dropped).filter(([, n]) => n > 0);
    if (dropped.length) lines.push('  dropped   ' + dropped.map(([f, n]) => `${f} ${n}`).join(', '));
    const c = r.chosenFill;
    if (c) lines.push(`  chosen    ${c.filled} of ${c.requested} DRIFT rows filled from the endpoint${c.failed ? ` (${c.failed} failed: ${c.errors[0]})` : ''}`);
  }
  for (const j of s.hackingWarnings) lines.push(`  WARNING   ${formatHackingJump(j)}`);
  lines.push(`  time      ` + Object.entries(s.seconds).map(([k, v]) => `${k} ${v.toFixed(2)}s`).join(', '));
  return lines.join('\n') + '\n';
}
