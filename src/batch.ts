// The nightly batch job: for one time window, run the heavy detectors (FLR, P[Love], the LLM judge) on the window's
// responses, re-fuse verdicts and build the window's release, as resumable units with completion markers in the store.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Store, appendSignalRow, type DetectionRow } from './store.js';
import { formatHackingJump, rewardHackingJumps, type HackingJump } from './monitors.js';
import { loadConfig, type RunConfig } from './config.js';
import { MinerError, errorMessage } from './errors.js';
import { createDetectors, detectConversation, DETECTOR_REGISTRY, isDetectorName } from '../detectors/registry.js';
import { stableStringify } from '../builders/config.js';
import { buildAndWriteRelease, configHash } from '../builders/index.js';
import { recordRelease } from './report/release-stats.js';
import { assistantTurnContexts, isAmbiguous, type AssistantTurnContext, type Detector, type NamedSignal } from '../detectors/types.js';
import type { Conversation } from './model.js';

/** Exit codes of `feedback-miner batch`: the shared ones plus PARTIAL, NO_DATA and STORE_BUSY. */
export const BATCH_EXIT = { OK: 0, FAILURE: 1, USAGE: 2, BAD_INPUT: 3, PARTIAL: 5, NO_DATA: 6, STORE_BUSY: 7 } as const;

/** Another process (the daemon, another batch) holds the store's write lock: try again later. */
export function isStoreBusy(e: unknown): boolean {
  return e instanceof MinerError && e.code === 'STORE' && /Could not set lock|Conflicting lock/i.test(e.message);
}

export interface BatchWindow {
  /** Human label used in markers and release names: the date for a whole UTC day, else `since..until`. */
  label: string;
  since: Date;
  until: Date;
}

const DAY_MS = 86_400_000;

function parseInstant(v: string, flag: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : new Date(v);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(v))
    throw new MinerError('BAD_CONFIG', `${flag} "${v}": expected a date (YYYY-MM-DD) or an ISO 8601 timestamp`);
  return d;
}

/** `--date D` is the UTC day D; `--since A --until B` is [A, B). Exactly one form. */
export function parseWindow(o: { date?: string; since?: string; until?: string }): BatchWindow {
  if (o.date && (o.since || o.until)) throw new MinerError('BAD_CONFIG', 'give either --date or --since/--until, not both');
  if (o.date) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(o.date)) throw new MinerError('BAD_CONFIG', `--date "${o.date}": expected YYYY-MM-DD`);
    const since = parseInstant(o.date, '--date');
    return { label: o.date, since, until: new Date(since.getTime() + DAY_MS) };
  }
  if (!o.since || !o.until) throw new MinerError('BAD_CONFIG', 'a window is required: --date YYYY-MM-DD, or both --since and --until');
  const since = parseInstant(o.since, '--since');
  const until = parseInstant(o.until, '--until');
  if (until <= since) throw new MinerError('BAD_CONFIG', `--until (${o.until}) must be after --since (${o.since})`);
  const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, 'Z');
  const wholeDay = since.getTime() % DAY_MS === 0 && until.getTime() - since.getTime() === DAY_MS;
  return { label: wholeDay ? iso(since).slice(0, 10) : `${iso(since)}..${iso(until)}`, since, until };
}

/** A safe release-name suffix for a window (no ':' or '..'). */
function windowSlug(w: BatchWindow): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(w.label)) return w.label;
  const c = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${c(w.since)}-${c(w.until)}`;
}

// ------------------------------------------------------------------ heavy detectors as pluggable units

/** One heavy detector as the batch runs it: picks its turns, scores them, returns signals and raw scores. */
export interface HeavyDetector {
  readonly name: 'flr' | 'plove' | 'llm_judge';
  readonly version: string;
  /** Identifies model and options, so a changed model redoes finished units. */
  readonly fingerprint: string;
  /** Which of the window's turns to score (`sync` holds the rule detectors' signals per message id). */
  select(contexts: AssistantTurnContext[], sync: Map<string, NamedSignal[]>): AssistantTurnContext[];
  run(contexts: AssistantTurnContext[]): Promise<{ signals: Map<string, NamedSignal[]>; scores: Map<string, number> }>;
  release(): Promise<void>;
}

export interface HeavyOptions {
  flrModel?: string;
  ploveModel?: string;
  judgeUrl?: string;
  judgeModel?: string;
  judgeApiKey?: string;
  judgeCacheDir?: string;
}

/** Size and mtime of a model file, or of every file in a model directory (a replaced model.onnx changes it). */
function fileFingerprint(path: string): string {
  const parts: string[] = [];
  const walk = (p: string, depth: number) => {
    const st = statSync(p);
    if (!st.isDirectory()) parts.push(`${p}:${st.size}:${st.mtimeMs}`);
    else if (depth < 4) for (const e of readdirSync(p).sort()) walk(join(p, e), depth + 1);
  };
  try {
    walk(path, 0);
  } catch (e) {
    throw new MinerError('BAD_CONFIG', `model ${path}: ${errorMessage(e)}`);
  }
  return md5(parts.join('|'));
}

/** A heavy detector that loads its model on first use, so a rerun with every unit finished loads nothing. */
export interface HeavyPlan {
  name: HeavyDetector['name'];
  version: string;
  fingerprint: string;
  load(): Promise<HeavyDetector>;
}

/** A model detector (FLR, P[Love]) as a batch plan: it scores every turn of a unit and keeps the raw score. */
function modelPlan(
  name: 'flr' | 'plove',
  version: string,
  fingerprint: string,
  create: () => Promise<{
    det: { version: string; detectBatch(ctxs: AssistantTurnContext[]): Promise<Map<string, NamedSignal[]>>; release(): Promise<void> };
    scoreOf: (messageId: string) => number | undefined;
  }>,
): HeavyPlan {
  return {
    name,
    version,
    fingerprint,
    async load() {
      const { det, scoreOf } = await create();
      return {
        name,
        version: det.version,
        fingerprint,
        select: (ctxs) => ctxs,
        async run(ctxs) {
          const signals = await det.detectBatch(ctxs);
          const scores = new Map<string, number>();
          for (const c of ctxs) {
            const score = scoreOf(c.assistantTurn.messageId);
            if (score !== undefined) scores.set(c.assistantTurn.messageId, score);
          }
          return { signals, scores };
        },
        release: () => det.release(),
      };
    },
  };
}

/** The heavy detectors the options configure; each is skipped (and reported) when its option is absent. */
export async function planHeavyDetectors(o: HeavyOptions): Promise<{ plans: HeavyPlan[]; skipped: Record<string, string> }> {
  const plans: HeavyPlan[] = [];
  const skipped: Record<string, string> = {};
  if (o.flrModel) {
    const { createFlrDetector, FLR_DETECTOR_VERSION } = await import('../detectors/flr.js');
    const modelDir = o.flrModel;
    plans.push(
      modelPlan('flr', FLR_DETECTOR_VERSION, fileFingerprint(modelDir), async () => {
        const det = await createFlrDetector({ modelDir });
        return { det, scoreOf: (id) => det.results.get(id)?.reward };
      }),
    );
  } else skipped.flr = 'not configured (--flr-model DIR)';
  if (o.ploveModel) {
    const { createPloveDetector, PLOVE_DETECTOR_VERSION } = await import('../detectors/plove.js');
    const model = o.ploveModel;
    plans.push(
      modelPlan('plove', PLOVE_DETECTOR_VERSION, fileFingerprint(model), async () => {
        const det = await createPloveDetector({ model });
        return { det, scoreOf: (id) => det.scores.get(id) };
      }),
    );
  } else skipped.plove = 'not configured (--plove-model FILE)';
  if (o.judgeUrl) {
    if (!o.judgeModel) throw new MinerError('BAD_CONFIG', '--judge-url needs --judge-model');
    const { createLlmJudge, JUDGE_VERSION } = await import('../detectors/llm-judge.js');
    const fingerprint = `${o.judgeUrl}|${o.judgeModel}`;
    const opts = { baseUrl: o.judgeUrl, model: o.judgeModel, apiKey: o.judgeApiKey, cacheDir: o.judgeCacheDir };
    createLlmJudge(opts); // validate the options now, before any unit runs
    plans.push({
      name: 'llm_judge',
      version: JUDGE_VERSION,
      fingerprint,
      async load() {
        const judge = createLlmJudge(opts);
        return {
          name: 'llm_judge',
          version: JUDGE_VERSION,
          fingerprint,
          // The judge is for the turns the rules could not decide.
          select: (ctxs, sync) =>
            ctxs.filter((c) => (sync.get(c.assistantTurn.messageId) ?? []).some((s) => isAmbiguous(s.result))),
          async run(ctxs) {
            const judged = ctxs.length ? await judge.judge(ctxs) : new Map<string, NamedSignal>();
            return { signals: new Map([...judged].map(([id, s]) => [id, [s]])), scores: new Map() };
          },
          release: async () => undefined,
        };
      },
    });
  } else skipped.llm_judge = 'not configured (--judge-url URL --judge-model NAME)';
  return { plans, skipped };
}

// ------------------------------------------------------------------ the job

export interface BatchOptions {
  db: string;
  releasesDir: string;
  window: BatchWindow;
  name: string;
  configFile?: string;
  heavy: HeavyOptions;
  /** Conversations are split by hash into this many chunks; each chunk is one unit per stage. */
  chunks: number;
  /** Re-fuse with these heavy detector versions instead of the latest stored. */
  pins: Record<string, string>;
  /** Progress reporter; default none. */
  progress?: ProgressSink;
  /** Heavy detectors supplied by the caller (plugins, tests), run after the configured ones. */
  extraHeavy?: HeavyPlan[];
}

export type UnitStatus = 'done' | 'skipped' | 'failed' | 'blocked';

export interface UnitReport {
  unit: string;
  status: UnitStatus;
  seconds: number;
  stats: Record<string, unknown>;
  error?: string;
}

export interface BatchSummary {
  db: string;
  window: { label: string; since: string; until: string };
  conversations: number;
  assistantTurns: number;
  heavyDetectors: Record<string, string>;
  skippedDetectors: Record<string, string>;
  units: UnitReport[];
  release: { name: string; path: string; version: string; existed: boolean; rows: Record<string, { train: number; test: number }> } | null;
  /** Reward-hacking rates that jumped between policy versions in the window (warnings, not failures). */
  hackingWarnings: HackingJump[];
  exitCode: number;
}

export interface ProgressSink {
  start(total: number): void;
  unit(done: number, total: number, report: UnitReport): void;
  end(): void;
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

function storedSignalToNamed(r: { detector: string; detector_version: string; label: string | null; ambiguous: boolean; category: string | null; score: number | null; confidence: number | null; evidence: string | null }): NamedSignal {
  const kind = isDetectorName(r.detector) ? DETECTOR_REGISTRY[r.detector].kind : 'model';
  const result = r.ambiguous
    ? { ambiguous: true as const, evidence: r.evidence ?? '' }
    : { label: r.label as 'sat' | 'dsat' | 'neutral', category: r.category as never, score: r.score ?? 0, confidence: r.confidence ?? 0, evidence: r.evidence ?? '' };
  return { detector: r.detector, version: r.detector_version, kind, result };
}

/** Append heavy signals (not verdicts) through the Appender; null results leave no row, as in store.appendDetections. */
async function appendSignals(store: Store, turnOf: Map<string, { conversationId: string; turnIndex: number }>, signals: Map<string, NamedSignal[]>): Promise<number> {
  const app = await store.conn.createAppender('signals');
  let n = 0;
  try {
    for (const id of [...signals.keys()].sort()) {
      const t = turnOf.get(id);
      if (!t) continue;
      for (const s of signals.get(id)!) {
        if (s.result === null) continue;
        n++;
        appendSignalRow(app, { messageId: id, ...t }, s);
      }
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
  return n;
}

export async function runBatch(o: BatchOptions): Promise<BatchSummary> {
  if (!Number.isInteger(o.chunks) || o.chunks < 1 || o.chunks > 4096) throw new MinerError('BAD_CONFIG', '--chunks must be an integer from 1 to 4096');
  for (const d of Object.keys(o.pins))
    if (!['flr', 'plove', 'llm_judge'].includes(d)) throw new MinerError('BAD_CONFIG', `--detector-version ${d}=…: only heavy detectors (flr, plove, llm_judge) can be pinned`);
  const config: RunConfig = loadConfig(o.configFile);
  const syncDetectors: Detector[] = createDetectors(config.detectors);
  const { plans, skipped } = await planHeavyDetectors(o.heavy);
  for (const p of o.extraHeavy ?? []) {
    if (plans.some((x) => x.name === p.name)) throw new MinerError('BAD_CONFIG', `heavy detector ${p.name} given twice`);
    plans.push(p);
    delete skipped[p.name];
  }
  const w = o.window;
  const store = await Store.open(o.db);
  const loaded = new Map<string, HeavyDetector>();
  const summary: BatchSummary = {
    db: o.db,
    window: { label: w.label, since: w.since.toISOString(), until: w.until.toISOString() },
    conversations: 0,
    assistantTurns: 0,
    heavyDetectors: Object.fromEntries(plans.map((p) => [p.name, p.version])),
    skippedDetectors: skipped,
    units: [],
    release: null,
    hackingWarnings: [],
    exitCode: BATCH_EXIT.OK,
  };
  try {
    await store.run("SET TimeZone = 'UTC'");
    const inWindow = `ts >= TIMESTAMPTZ ${q(w.since.toISOString())} AND ts < TIMESTAMPTZ ${q(w.until.toISOString())}`;
    // The window's conversations: those with an assistant turn in it. Chunks by hash stay stable as data grows.
    await store.run(`CREATE OR REPLACE TEMP TABLE batch_scope AS
      SELECT conversation_id, CAST(md5_number(conversation_id) % ${o.chunks} AS INTEGER) AS chunk
      FROM turns WHERE role = 'assistant' AND ${inWindow} GROUP BY conversation_id`);
    const counts = await store.rows<{ c: bigint; a: bigint }>(
      `SELECT (SELECT count(*) FROM batch_scope) c, (SELECT count(*) FROM turns WHERE role = 'assistant' AND ${inWindow}) a`,
    );
    summary.conversations = Number(counts[0].c);
    summary.assistantTurns = Number(counts[0].a);
    if (summary.conversations === 0) {
      summary.exitCode = BATCH_EXIT.NO_DATA;
      return summary;
    }
    // What each chunk holds: a change (late turns, new feedback) redoes the chunk's units.
    const chunkData = new Map(
      (
        await store.rows<{ chunk: number; fp: string }>(`
        SELECT b.chunk, md5(coalesce(string_agg(t.message_id || ':' || t.turn_index || ':' || md5(t.content), ',' ORDER BY t.message_id), '')
               || '|' || coalesce((SELECT string_agg(f.event_id, ',' ORDER BY f.event_id) FROM feedback_events f JOIN turns x USING (message_id)
                                   JOIN batch_scope y USING (conversation_id) WHERE y.chunk = b.chunk), '')) AS fp
        FROM batch_scope b JOIN turns t USING (conversation_id) GROUP BY b.chunk`)
      ).map((r) => [Number(r.chunk), r.fp]),
    );
    const chunkIds = [...chunkData.keys()].sort((a, b) => a - b);
    const configFp = md5(stableStringify(config.detectors)) + ':' + syncDetectors.map((d) => `${d.name}@${d.version}`).join(',');

    const markers = new Map(
      (await store.rows<{ unit: string; fingerprint: string }>(`SELECT unit, fingerprint FROM batch_units WHERE window_label = ${q(w.label)}`)).map((r) => [r.unit, r.fingerprint]),
    );
    const total = plans.length * chunkIds.length + chunkIds.length + 1;
    let done = 0;
    o.progress?.start(total);
    const report = (r: UnitReport) => {
      summary.units.push(r);
      o.progress?.unit(++done, total, r);
    };
    const chunkFilter = (c: number) => `conversation_id IN (SELECT conversation_id FROM batch_scope WHERE chunk = ${c})`;
    const marker = async (unit: string, fingerprint: string, stats: Record<string, unknown>, seconds: number) => {
      await store.run(`DELETE FROM batch_units WHERE window_label = ${q(w.label)} AND unit = ${q(unit)}`);
      await store.run(`INSERT INTO batch_units VALUES (${q(w.label)}, ${q(unit)}, ${q(fingerprint)}, ${q(JSON.stringify(stats))}, ${seconds}, now())`);
    };
    const windowStart = w.since.getTime();
    const windowEnd = w.until.getTime();
    const inWindowTs = (ts: string | null) => ts !== null && Date.parse(ts) >= windowStart && Date.parse(ts) < windowEnd;
    const readChunk = async (c: number): Promise<Conversation[]> => {
      const out: Conversation[] = [];
      for await (const conv of store.conversations({ where: chunkFilter(c) })) out.push(conv);
      return out;
    };
    const failedChunks = new Set<number>();

    // Stage 1: heavy detectors, one unit per (detector, chunk).
    for (const plan of plans) {
      for (const c of chunkIds) {
        const unit = `detect:${plan.name}@${plan.version}:${c}/${o.chunks}`;
        const fp = md5(`${chunkData.get(c)}|${plan.fingerprint}|${configFp}`);
        if (markers.get(unit) === fp) {
          report({ unit, status: 'skipped', seconds: 0, stats: {} });
          continue;
        }
        const t0 = process.hrtime.bigint();
        try {
          let det = loaded.get(plan.name);
          if (!det) {
            det = await plan.load();
            loaded.set(plan.name, det);
          }
          const convs = await readChunk(c);
          const ctxs: AssistantTurnContext[] = [];
          const sync = new Map<string, NamedSignal[]>();
          for (const conv of convs)
            for (const ctx of assistantTurnContexts(conv)) {
              if (!inWindowTs(ctx.assistantTurn.ts)) continue;
              ctxs.push(ctx);
              sync.set(ctx.assistantTurn.messageId, syncDetectors.map((d) => ({ detector: d.name, version: d.version, kind: d.kind, result: d.detect(ctx) })));
            }
          const selected = det.select(ctxs, sync);
          const { signals, scores } = await det.run(selected);
          const stats = await store.transaction(async () => {
            const scope = `${chunkFilter(c)} AND message_id IN (SELECT message_id FROM turns WHERE role = 'assistant' AND ${inWindow})`;
            await store.run(`DELETE FROM signals WHERE ${scope} AND detector = ${q(det.name)} AND detector_version = ${q(det.version)}`);
            await store.run(`DELETE FROM model_scores WHERE ${scope} AND detector = ${q(det.name)} AND detector_version = ${q(det.version)}`);
            const where = new Map(ctxs.map((x) => [x.assistantTurn.messageId, { conversationId: x.assistantTurn.conversationId, turnIndex: x.assistantTurn.turnIndex }]));
            const written = await appendSignals(store, where, signals);
            if (scores.size) {
              const values = [...scores].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([id, s]) => `(${q(id)}, ${q(where.get(id)!.conversationId)}, ${q(det.name)}, ${q(det.version)}, ${s})`);
              await store.run(`INSERT INTO model_scores VALUES ${values.join(',')}`);
            }
            const st = { turns: ctxs.length, scored: selected.length, signals: written };
            await marker(unit, fp, st, since(t0));
            return st;
          });
          report({ unit, status: 'done', seconds: since(t0), stats });
        } catch (e) {
          failedChunks.add(c);
          report({ unit, status: 'failed', seconds: since(t0), stats: {}, error: errorMessage(e) });
        }
      }
    }

    // Stage 2: re-fuse every verdict of each chunk's conversations from fresh rule signals and stored heavy signals.
    const heavyNames = ['flr', 'plove', 'llm_judge'];
    const versions = await store.rows<{ detector: string; detector_version: string }>(
      `SELECT detector, detector_version FROM v_detector_versions WHERE is_latest AND detector IN (${heavyNames.map(q).join(',')})`,
    );
    const useVersion = new Map(versions.map((v) => [v.detector, v.detector_version]));
    for (const [d, v] of Object.entries(o.pins)) {
      const have = await store.rows(`SELECT 1 FROM signals WHERE detector = ${q(d)} AND detector_version = ${q(v)} LIMIT 1`);
      if (!have.length) throw new MinerError('BAD_CONFIG', `--detector-version ${d}=${v}: the store has no signals of ${d} version ${v}`);
      useVersion.set(d, v);
    }
    const heavyFilter = [...useVersion].map(([d, v]) => `(detector = ${q(d)} AND detector_version = ${q(v)})`).join(' OR ') || 'FALSE';
    const fusionFp = (c: number, heavyFp: string) => md5(`${chunkData.get(c)}|${configFp}|${heavyFp}`);
    const heavyFps = new Map(
      (
        await store.rows<{ chunk: number; fp: string }>(`SELECT b.chunk, md5(string_agg(s.detector || '@' || s.detector_version || ':' || s.message_id || ':' || coalesce(s.label, '?') || ':' || coalesce(s.score, -1), ',' ORDER BY s.message_id, s.detector)) fp
          FROM signals s JOIN batch_scope b USING (conversation_id) WHERE ${heavyFilter} GROUP BY b.chunk`)
      ).map((r) => [Number(r.chunk), r.fp]),
    );
    let fuseFailed = false;
    for (const c of chunkIds) {
      const unit = `fuse:${c}/${o.chunks}`;
      if (failedChunks.has(c)) {
        fuseFailed = true;
        report({ unit, status: 'blocked', seconds: 0, stats: {}, error: 'a heavy detector failed on this chunk' });
        continue;
      }
      const fp = fusionFp(c, heavyFps.get(c) ?? '');
      if (markers.get(unit) === fp) {
        report({ unit, status: 'skipped', seconds: 0, stats: {} });
        continue;
      }
      const t0 = process.hrtime.bigint();
      try {
        const stats = await store.transaction(async () => {
          const extra = new Map<string, NamedSignal[]>();
          for (const r of await store.rows<Parameters<typeof storedSignalToNamed>[0] & { message_id: string }>(
            `SELECT message_id, detector, detector_version, label, ambiguous, category, score, confidence, evidence FROM signals
             WHERE ${chunkFilter(c)} AND (${heavyFilter}) ORDER BY message_id, detector`,
          ))
            extra.set(r.message_id, [...(extra.get(r.message_id) ?? []), storedSignalToNamed(r)]);
          const rows: DetectionRow[] = [];
          const byLabel: Record<string, number> = {};
          for (const conv of await readChunk(c))
            for (const row of detectConversation(conv, syncDetectors, config.detectors, extra)) {
              byLabel[row.verdict.label] = (byLabel[row.verdict.label] ?? 0) + 1;
              // Heavy signals stay as stored; only the rule signals are rewritten with the verdicts.
              rows.push({ ...row, signals: row.signals.filter((s) => !heavyNames.includes(s.detector)) });
            }
          const syncList = syncDetectors.map((d) => `(detector = ${q(d.name)} AND detector_version = ${q(d.version)})`).join(' OR ');
          await store.run(`DELETE FROM signals WHERE ${chunkFilter(c)} AND (${syncList})`);
          await store.run(`DELETE FROM verdicts WHERE ${chunkFilter(c)}`);
          await store.appendDetections(rows);
          const st = { verdicts: rows.length, byLabel, heavySignals: [...extra.values()].reduce((n, l) => n + l.length, 0) };
          await marker(unit, fp, st, since(t0));
          return st;
        });
        report({ unit, status: 'done', seconds: since(t0), stats });
      } catch (e) {
        fuseFailed = true;
        report({ unit, status: 'failed', seconds: since(t0), stats: {}, error: errorMessage(e) });
      }
    }

    // Stage 3: the window's release, written atomically by the release writer, recorded with its marker.
    const unit = 'release';
    const releaseName = `${o.name}-${windowSlug(w)}`;
    if (fuseFailed) {
      report({ unit, status: 'blocked', seconds: 0, stats: {}, error: 'some chunks were not re-fused' });
    } else {
      const verdictFp = await store.rows<{ fp: string | null }>(`SELECT md5(string_agg(message_id || ':' || label || ':' || dsat_score || ':' || confidence, ',' ORDER BY message_id)) fp
        FROM verdicts WHERE conversation_id IN (SELECT conversation_id FROM batch_scope)`);
      const fp = md5(`${chunkIds.map((c) => chunkData.get(c)).join(',')}|${verdictFp[0].fp ?? ''}|${configHash(config.release)}|${releaseName}`);
      if (markers.get(unit) === fp) {
        report({ unit, status: 'skipped', seconds: 0, stats: {} });
        const r = await store.rows<{ path: string; version: string }>(`SELECT r.path, r.version FROM releases r WHERE name = ${q(releaseName)} ORDER BY built_at DESC LIMIT 1`);
        const rows = await store.rows<{ builder: string; stage: string; n: bigint }>(`SELECT builder, stage, n FROM release_stats WHERE name = ${q(releaseName)} AND version = ${q(r[0]?.version ?? '')} AND stage IN ('train', 'test')`);
        if (r.length) summary.release = { name: releaseName, path: r[0].path, version: r[0].version, existed: true, rows: rowCounts(rows) };
      } else {
        const t0 = process.hrtime.bigint();
        try {
          const wm = await store.rows<{ w: string | null; n: bigint }>(`SELECT strftime(max(ts), '%Y-%m-%dT%H:%M:%S.%gZ') w, count(*) n FROM turns
            WHERE conversation_id IN (SELECT conversation_id FROM batch_scope)`);
          const inputWatermark = `window=${w.label};turns=${Number(wm[0].n)};max_ts=${wm[0].w ?? 'none'}`;
          const detectorVersions: Record<string, string> = Object.fromEntries(syncDetectors.map((d) => [d.name, d.version]));
          for (const [d, v] of useVersion) detectorVersions[d] = v;
          const { result, info } = await buildAndWriteRelease(
            store.judgedConversations({ where: 'conversation_id IN (SELECT conversation_id FROM batch_scope)' }),
            config.release,
            { outDir: o.releasesDir, name: releaseName, inputWatermark, detectorVersions, manifestExtras: { window: summary.window } },
          );
          const stats = await store.transaction(async () => {
            await recordRelease(store, { name: releaseName, info, result, windowLabel: w.label, inputWatermark });
            const st = { path: info.dir, version: info.version, existed: info.existed, conversations: result.conversations };
            await marker(unit, fp, st, since(t0));
            return st;
          });
          const rows: Record<string, { train: number; test: number }> = {};
          for (const [b, r] of Object.entries(result.rows)) rows[b] = { train: r.train.length, test: r.test.length };
          summary.release = { name: releaseName, path: info.dir, version: info.version, existed: info.existed, rows };
          report({ unit, status: 'done', seconds: since(t0), stats });
        } catch (e) {
          report({ unit, status: 'failed', seconds: since(t0), stats: {}, error: errorMessage(e) });
        }
      }
    }
    if (summary.units.some((u) => u.status === 'failed' || u.status === 'blocked')) summary.exitCode = BATCH_EXIT.PARTIAL;
    summary.hackingWarnings = await rewardHackingJumps(store, inWindow);
    return summary;
  } finally {
    o.progress?.end();
    for (const d of loaded.values()) await d.release().catch(() => undefined);
    store.close();
  }
}

function rowCounts(rows: { builder: string; stage: string; n: bigint }[]): Record<string, { train: number; test: number }> {
  const out: Record<string, { train: number; test: number }> = {};
  for (const r of rows) {
    out[r.builder] ??= { train: 0, test: 0 };
    out[r.builder][r.stage as 'train' | 'test'] = Number(r.n);
  }
  return out;
}

// ------------------------------------------------------------------ progress and summary

/** A bar redrawn in place on a TTY; otherwise one line per finished unit and a line every `everySeconds` at most. */
export function createProgress(stream: NodeJS.WriteStream, label: string, everySeconds = 10): ProgressSink {
  const tty = stream.isTTY === true;
  let lastLine = 0;
  let skipped = 0;
  const t0 = Date.now();
  return {
    start(total) {
      if (!tty) stream.write(`batch ${label}: ${total} units\n`);
    },
    unit(done, total, r) {
      if (tty) {
        const width = 30;
        const filled = Math.round((done / total) * width);
        stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${r.unit.padEnd(28).slice(0, 28)} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
        if (r.status === 'failed') stream.write(`\n  ${r.unit} failed: ${r.error}\n`);
        return;
      }
      if (r.status === 'skipped') {
        skipped++;
        if (done < total && Date.now() - lastLine < everySeconds * 1000) return;
      }
      lastLine = Date.now();
      const extra = r.status === 'failed' || r.status === 'blocked' ? `: ${r.error}` : r.status === 'done' ? ` (${r.seconds.toFixed(2)}s)` : '';
      stream.write(`batch ${label}: ${done}/${total} ${r.unit} ${r.status}${extra}${skipped ? `; ${skipped} finished earlier` : ''}\n`);
    },
    end() {
      if (tty) stream.write('\n');
    },
  };
}

export function formatBatchSummary(s: BatchSummary): string {
  const lines = [`feedback-miner batch ${s.window.label} — store ${s.db}`];
  lines.push(`  window    ${s.window.since} .. ${s.window.until}: ${s.conversations} conversations, ${s.assistantTurns} responses`);
  if (s.exitCode === BATCH_EXIT.NO_DATA) {
    lines.push('  nothing stored for this window (exit 6)');
    return lines.join('\n') + '\n';
  }
  lines.push(`  heavy     ${Object.entries(s.heavyDetectors).map(([d, v]) => `${d}@${v}`).join(', ') || 'none'}`);
  for (const [d, why] of Object.entries(s.skippedDetectors)) lines.push(`  skipped   ${d}: ${why}`);
  const by = (st: UnitStatus) => s.units.filter((u) => u.status === st).length;
  lines.push(`  units     ${by('done')} done, ${by('skipped')} finished earlier, ${by('failed')} failed, ${by('blocked')} blocked`);
  for (const u of s.units.filter((x) => x.status === 'failed')) lines.push(`  failed    ${u.unit}: ${u.error}`);
  if (s.release) {
    lines.push(`  release   ${s.release.path}${s.release.existed ? '  (unchanged)' : ''}`);
    lines.push('            ' + Object.entries(s.release.rows).map(([b, n]) => `${b} ${n.train}+${n.test}`).join(', ') + ' (train+test rows)');
  }
  for (const j of s.hackingWarnings) lines.push(`  WARNING   ${formatHackingJump(j)}`);
  if (s.exitCode === BATCH_EXIT.PARTIAL) lines.push('  incomplete: rerun the same command to retry the failed units (exit 5)');
  return lines.join('\n') + '\n';
}
