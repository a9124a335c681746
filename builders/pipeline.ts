// The release pipeline: run the configured builders over judged conversations, then hygiene in a fixed order
// (confidence, PII redaction, decontamination, dedup, per-user cap, optional DRIFT chosen filling, length
// balance) and the train/test split. Everything is ordered by record id so reruns give the same rows.
import { BUILDERS } from './registry.js';
import { parseReleaseConfig, type ReleaseConfig, type ReleaseConfigInput } from './config.js';
import { loadCandidates } from './ranked.js';
import { Decontaminator, loadBenchmarkPrompts } from './hygiene/decontam.js';
import { Deduplicator } from './hygiene/dedup.js';
import { redactPii, type RedactionCounts } from './hygiene/pii.js';
import { splitOf } from './hygiene/split.js';
import { fillDriftChosen, type ChosenClientOptions, type ChosenFillReport } from './chosen.js';
import { RecordSpool, SpoolDir } from './spool.js';
import { BUILDER_NAMES, type BuildContext, type BuilderName, type BuiltRecord, type ChatMessage, type JudgedConversation } from './types.js';

/** How much of the end of a record's prompt goes into its near-duplicate fingerprint (with the whole response). */
const DEDUP_PROMPT_CHARS = 4000;

export const FILTERS = [
  'min_confidence',
  'decontamination',
  'exact_duplicate',
  'near_duplicate',
  'user_cap',
  'length_balance',
] as const;
export type FilterName = (typeof FILTERS)[number];

export interface LengthReport {
  pairs: number;
  chosenLongerBefore: number;
  shareChosenLongerBefore: number | null;
  pairsAfter: number;
  shareChosenLongerAfter: number | null;
}

export interface BuildResult {
  config: ReleaseConfig;
  conversations: number;
  /** Rows per builder and split, spooled to disk in a stable order (conversation id, then record id). */
  rows: Record<BuilderName, { train: RecordSpool; test: RecordSpool }>;
  dropped: Record<FilterName, Record<BuilderName, number>>;
  redactions: RedactionCounts;
  lengthReport: Record<BuilderName, LengthReport>;
  chosenFill: ChosenFillReport | null;
  /** Delete the spooled rows (after the release is written). */
  dispose(): void;
}

export interface BuildOptions {
  /** Overrides cfg.candidatesFile (already loaded candidates). */
  candidates?: BuildContext['candidates'];
  /** Overrides cfg.decontaminationFile. */
  benchmarkPrompts?: string[];
  /** Fill DRIFT chosen from an OpenAI-compatible endpoint before length balancing. */
  chosenFrom?: ChosenClientOptions;
  /** Where rows are spooled while building (default: a new directory under the OS temp dir). */
  spoolDir?: string;
}

/** DRIFT rows sent to the chosen endpoint at a time (keeps memory bounded whatever the release size). */
const CHOSEN_CHUNK = 256;

function perBuilder<T>(make: () => T): Record<BuilderName, T> {
  return Object.fromEntries(BUILDER_NAMES.map((b) => [b, make()])) as Record<BuilderName, T>;
}

/**
 * Redaction with a per-conversation memo: a conversation's early messages recur in the prompt of every later record
 * built from it, so each distinct text is scanned once. Counts still add up per occurrence.
 */
class Redactor {
  private memo = new Map<string, { text: string; counts: RedactionCounts }>();
  constructor(readonly counts: RedactionCounts) {}
  nextConversation(): void {
    this.memo.clear();
  }
  text(content: string): string {
    let hit = this.memo.get(content);
    if (!hit) {
      const counts: RedactionCounts = {};
      hit = { text: redactPii(content, counts), counts };
      this.memo.set(content, hit);
    }
    for (const [k, n] of Object.entries(hit.counts)) this.counts[k as keyof RedactionCounts] = (this.counts[k as keyof RedactionCounts] ?? 0) + n!;
    return hit.text;
  }
  messages(msgs: ChatMessage[] | null): ChatMessage[] | null {
    return msgs && msgs.map((m) => ({ role: m.role, content: this.text(m.content) }));
  }
}

function responseText(r: BuiltRecord): string {
  return [r.chosen, r.rejected, r.completion].flatMap((m) => m ?? []).map((m) => m.content).join('\n');
}

function lengths(r: BuiltRecord): BuiltRecord {
  const len = (m: ChatMessage[] | null) => (m ? m.reduce((n, x) => n + x.content.length, 0) : null);
  if (r.completion) {
    const n = len(r.completion);
    return { ...r, meta: { ...r.meta, len_chosen: r.label ? n : null, len_rejected: r.label ? null : n } };
  }
  return { ...r, meta: { ...r.meta, len_chosen: len(r.chosen), len_rejected: len(r.rejected) } };
}

const byId = (a: BuiltRecord, b: BuiltRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const isPair = (r: BuiltRecord) => r.chosen !== null && r.rejected !== null;
const chosenLonger = (r: BuiltRecord) => r.meta.len_chosen! > r.meta.len_rejected!;

/**
 * Survivors of one builder before length balancing, spooled in order, with the pair counts the balance needs
 * (counted as rows go in, so the balance decision costs no extra pass).
 */
class Survivors {
  pairs = 0;
  longer = 0;
  constructor(readonly sink: (r: BuiltRecord) => void) {}
  push(r: BuiltRecord): void {
    if (isPair(r)) {
      this.pairs++;
      if (chosenLonger(r)) this.longer++;
    }
    this.sink(r);
  }
}

/**
 * Build a release's rows in one streaming pass over the judged conversations. Memory holds one conversation's
 * records, the dedup index and per-user counts; rows go to spool files. Order is conversation id (as the store
 * yields them), then record id, so reruns give the same rows and the same survivor among duplicates.
 */
export async function buildRelease(
  judged: AsyncIterable<JudgedConversation> | Iterable<JudgedConversation>,
  cfgInput: ReleaseConfig | ReleaseConfigInput = {},
  opts: BuildOptions = {},
): Promise<BuildResult> {
  const cfg = parseReleaseConfig(cfgInput);
  const ctx: BuildContext = {
    cfg,
    candidates: opts.candidates ?? (cfg.candidatesFile ? loadCandidates(cfg.candidatesFile) : new Map()),
  };
  const benchmarks = opts.benchmarkPrompts ?? (cfg.decontaminationFile ? loadBenchmarkPrompts(cfg.decontaminationFile) : []);
  const decontam = benchmarks.length ? new Decontaminator(benchmarks, cfg.decontaminationNgram) : null;
  const dropped = Object.fromEntries(FILTERS.map((f) => [f, perBuilder(() => 0)])) as BuildResult['dropped'];
  const redactions: RedactionCounts = {};
  const redactor = new Redactor(redactions);
  const spools = new SpoolDir(opts.spoolDir);
  try {
    const dedup = perBuilder(() => new Deduplicator(cfg.dedupThreshold, cfg.dedupShingle));
    const perUser = perBuilder(() => new Map<string, number>());
    const rows = perBuilder(() => ({ train: spools.spool('train'), test: spools.spool('test') }));
    const split = (name: BuilderName) => (r: BuiltRecord) => rows[name][splitOf(r.meta.conversation_id, cfg.testPercent)].push(r);
    // Without length balancing or chosen filling, survivors are final: they go straight to their split.
    const direct = !cfg.balanceLength && !opts.chosenFrom;
    const held = perBuilder(() => null as RecordSpool | null);
    let survivors = perBuilder(() => null as Survivors | null);
    for (const name of cfg.builders) {
      if (direct) survivors[name] = new Survivors(split(name));
      else {
        const spool = (held[name] = spools.spool(`${name}-survivors`));
        survivors[name] = new Survivors((r) => spool.push(r));
      }
    }
    let conversations = 0;

    for await (const jc of judged) {
      conversations++;
      redactor.nextConversation();
      for (const name of cfg.builders) {
        for (const rec of BUILDERS[name].build(jc, ctx).sort(byId)) {
          if (rec.meta.confidence < cfg.minConfidence) {
            dropped.min_confidence[name]++;
            continue;
          }
          const r: BuiltRecord = lengths({
            ...rec,
            prompt: redactor.messages(rec.prompt)!,
            chosen: redactor.messages(rec.chosen),
            rejected: redactor.messages(rec.rejected),
            completion: redactor.messages(rec.completion),
            userPreference: rec.userPreference && redactor.messages([rec.userPreference])![0],
          });
          if (decontam?.contaminated(r.prompt.filter((m) => m.role === 'user').map((m) => m.content).join('\n'))) {
            dropped.decontamination[name]++;
            continue;
          }
          // The most recent context decides whether two records say the same thing; a long shared history would
          // otherwise dominate both the similarity and the cost.
          const promptText = r.prompt.map((m) => `${m.role}: ${m.content}`).join('\n').slice(-DEDUP_PROMPT_CHARS);
          const dup = dedup[name].seen(`${promptText}\n${responseText(r)}`);
          if (dup) {
            dropped[dup === 'exact' ? 'exact_duplicate' : 'near_duplicate'][name]++;
            continue;
          }
          if (cfg.perUserCap !== null && r.meta.user_hash !== null) {
            const n = perUser[name].get(r.meta.user_hash) ?? 0;
            if (n >= cfg.perUserCap) {
              dropped.user_cap[name]++;
              continue;
            }
            perUser[name].set(r.meta.user_hash, n + 1);
          }
          survivors[name]!.push(r);
        }
      }
    }

    let chosenFill: ChosenFillReport | null = null;
    if (opts.chosenFrom && held.drift && held.drift.length) {
      const refilled = spools.spool('drift-chosen');
      const filled = new Survivors((r) => refilled.push(r));
      chosenFill = { requested: 0, filled: 0, failed: 0, errors: [] };
      const fill = async (chunk: BuiltRecord[]) => {
        const f = await fillDriftChosen(chunk, opts.chosenFrom!);
        chosenFill!.requested += f.report.requested;
        chosenFill!.filled += f.report.filled;
        chosenFill!.failed += f.report.failed;
        chosenFill!.errors.push(...f.report.errors.slice(0, 5 - chosenFill!.errors.length));
        for (const r of f.rows) filled.push(lengths({ ...r, chosen: redactor.messages(r.chosen) }));
      };
      let chunk: BuiltRecord[] = [];
      for await (const r of held.drift) {
        chunk.push(r);
        if (chunk.length >= CHOSEN_CHUNK) {
          await fill(chunk);
          chunk = [];
        }
      }
      if (chunk.length) await fill(chunk);
      survivors = { ...survivors, drift: filled };
      held.drift = refilled;
    }

    const lengthReport = perBuilder<LengthReport>(() => ({
      pairs: 0,
      chosenLongerBefore: 0,
      shareChosenLongerBefore: null,
      pairsAfter: 0,
      shareChosenLongerAfter: null,
    }));
    for (const name of BUILDER_NAMES) {
      const s = survivors[name];
      if (s) {
        const rep = lengthReport[name];
        rep.pairs = s.pairs;
        rep.chosenLongerBefore = s.longer;
        rep.shareChosenLongerBefore = s.pairs ? s.longer / s.pairs : null;
        rep.pairsAfter = s.pairs;
        rep.shareChosenLongerAfter = rep.shareChosenLongerBefore;
        const spool = held[name];
        if (spool) {
          // Balancing keeps equal numbers of chosen-longer and chosen-not-longer pairs; within a side, the first in
          // order survive.
          const keepEach = cfg.balanceLength && s.pairs ? Math.min(s.longer, s.pairs - s.longer) : Infinity;
          let seenLonger = 0;
          let seenOther = 0;
          let longerAfter = 0;
          rep.pairsAfter = 0;
          for await (const r of spool) {
            if (isPair(r)) {
              const longer = chosenLonger(r);
              if (!(longer ? ++seenLonger <= keepEach : ++seenOther <= keepEach)) {
                dropped.length_balance[name]++;
                continue;
              }
              rep.pairsAfter++;
              if (longer) longerAfter++;
            }
            split(name)(r);
          }
          rep.shareChosenLongerAfter = rep.pairsAfter ? longerAfter / rep.pairsAfter : null;
        }
      }
      rows[name].train.seal();
      rows[name].test.seal();
    }

    return { config: cfg, conversations, rows, dropped, redactions, lengthReport, chosenFill, dispose: () => spools.remove() };
  } catch (e) {
    spools.remove();
    throw e;
  }
}
