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
  rows: Record<BuilderName, { train: BuiltRecord[]; test: BuiltRecord[] }>;
  dropped: Record<FilterName, Record<BuilderName, number>>;
  redactions: RedactionCounts;
  lengthReport: Record<BuilderName, LengthReport>;
  chosenFill: ChosenFillReport | null;
}

export interface BuildOptions {
  /** Overrides cfg.candidatesFile (already loaded candidates). */
  candidates?: BuildContext['candidates'];
  /** Overrides cfg.decontaminationFile. */
  benchmarkPrompts?: string[];
  /** Fill DRIFT chosen from an OpenAI-compatible endpoint before length balancing. */
  chosenFrom?: ChosenClientOptions;
}

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
  const kept = perBuilder<BuiltRecord[]>(() => []);
  let conversations = 0;

  for await (const jc of judged) {
    conversations++;
    redactor.nextConversation();
    for (const name of cfg.builders) {
      for (const rec of BUILDERS[name].build(jc, ctx)) {
        if (rec.meta.confidence < cfg.minConfidence) {
          dropped.min_confidence[name]++;
          continue;
        }
        const clean: BuiltRecord = {
          ...rec,
          prompt: redactor.messages(rec.prompt)!,
          chosen: redactor.messages(rec.chosen),
          rejected: redactor.messages(rec.rejected),
          completion: redactor.messages(rec.completion),
          userPreference: rec.userPreference && redactor.messages([rec.userPreference])![0],
        };
        const userText = clean.prompt.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
        if (decontam?.contaminated(userText)) {
          dropped.decontamination[name]++;
          continue;
        }
        kept[name].push(lengths(clean));
      }
    }
  }

  const rows = perBuilder<{ train: BuiltRecord[]; test: BuiltRecord[] }>(() => ({ train: [], test: [] }));
  const lengthReport = perBuilder<LengthReport>(() => ({
    pairs: 0,
    chosenLongerBefore: 0,
    shareChosenLongerBefore: null,
    pairsAfter: 0,
    shareChosenLongerAfter: null,
  }));
  const survivors = perBuilder<BuiltRecord[]>(() => []);
  for (const name of BUILDER_NAMES) {
    const dedup = new Deduplicator(cfg.dedupThreshold, cfg.dedupShingle);
    const perUser = new Map<string, number>();
    for (const r of kept[name].sort(byId)) {
      // The most recent context decides whether two records say the same thing; a long shared history would
      // otherwise dominate both the similarity and the cost.
      const promptText = r.prompt.map((m) => `${m.role}: ${m.content}`).join('\n').slice(-DEDUP_PROMPT_CHARS);
      const dup = dedup.seen(`${promptText}\n${responseText(r)}`);
      if (dup) {
        dropped[dup === 'exact' ? 'exact_duplicate' : 'near_duplicate'][name]++;
        continue;
      }
      if (cfg.perUserCap !== null && r.meta.user_hash !== null) {
        const n = perUser.get(r.meta.user_hash) ?? 0;
        if (n >= cfg.perUserCap) {
          dropped.user_cap[name]++;
          continue;
        }
        perUser.set(r.meta.user_hash, n + 1);
      }
      survivors[name].push(r);
    }
  }

  let chosenFill: ChosenFillReport | null = null;
  if (opts.chosenFrom && survivors.drift.length) {
    const filled = await fillDriftChosen(survivors.drift, opts.chosenFrom);
    chosenFill = filled.report;
    survivors.drift = filled.rows.map((r) =>
      lengths({ ...r, chosen: redactor.messages(r.chosen) }),
    );
  }

  for (const name of BUILDER_NAMES) {
    let list = survivors[name];
    const paired = list.filter((r) => r.chosen && r.rejected);
    const longer = paired.filter((r) => r.meta.len_chosen! > r.meta.len_rejected!);
    const rep = lengthReport[name];
    rep.pairs = paired.length;
    rep.chosenLongerBefore = longer.length;
    rep.shareChosenLongerBefore = paired.length ? longer.length / paired.length : null;
    if (cfg.balanceLength && paired.length) {
      // Keep equal numbers of chosen-longer and chosen-not-longer pairs; within a side, lowest ids survive.
      const notLonger = paired.length - longer.length;
      const keepEach = Math.min(longer.length, notLonger);
      let seenLonger = 0;
      let seenOther = 0;
      list = list.filter((r) => {
        if (!(r.chosen && r.rejected)) return true;
        const isLonger = r.meta.len_chosen! > r.meta.len_rejected!;
        const ok = isLonger ? ++seenLonger <= keepEach : ++seenOther <= keepEach;
        if (!ok) dropped.length_balance[name]++;
        return ok;
      });
    }
    const pairedAfter = list.filter((r) => r.chosen && r.rejected);
    rep.pairsAfter = pairedAfter.length;
    rep.shareChosenLongerAfter = pairedAfter.length
      ? pairedAfter.filter((r) => r.meta.len_chosen! > r.meta.len_rejected!).length / pairedAfter.length
      : null;
    for (const r of list) rows[name][splitOf(r.meta.conversation_id, cfg.testPercent)].push(r);
  }

  return { config: cfg, conversations, rows, dropped, redactions, lengthReport, chosenFill };
}
