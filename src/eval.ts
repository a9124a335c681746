// `eval`: runs the detectors and fusion on every labelled assistant turn of a labelled JSONL file and scores the
// verdicts against the gold labels (precision/recall/F1 for dsat and sat, AUROC of the DSAT score, confusion).
import { existsSync } from 'node:fs';
import { readConversations } from '../connectors/conversations.js';
import { defaultDetectorConfig, type DetectorConfig } from '../detectors/config.js';
import { createDetectors, detectConversation } from '../detectors/registry.js';
import { selectAmbiguous, type LlmJudge } from '../detectors/llm-judge.js';
import type { Category, SignalLabel } from '../detectors/types.js';
import { MinerError } from './errors.js';
import type { Conversation, Reject } from './model.js';

const LABELS = ['sat', 'dsat', 'neutral'] as const;

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
  /** Gold turns with this label. */
  support: number;
  /** Turns the detectors gave this label. */
  predicted: number;
}

export interface EvalScores {
  labelled: number;
  dsat: PRF;
  sat: PRF;
  auroc_dsat: number;
  /** confusion[gold][predicted] */
  confusion: Record<SignalLabel, Record<SignalLabel, number>>;
}

export interface EvalReport extends EvalScores {
  file: string;
  conversations: number;
  /** Records of the file that were rejected (bad JSON, bad fields) and skipped; the first few are in rejectSamples. */
  rejected: number;
  rejectSamples: Reject[];
  /** For each category a verdict named: how many of those turns were gold sat / dsat / neutral. */
  categories: Partial<Record<Category, Record<SignalLabel, number>>>;
  /** Per detector: how often it gave sat, dsat or ambiguous on labelled turns. */
  detectors: Record<string, { sat: number; dsat: number; ambiguous: number }>;
  /** The same scores per `source` field of the records (held-out checks across domains). */
  bySource: Record<string, EvalScores>;
}

export interface LabelledConversation {
  conversation: Conversation;
  source: string;
  /** Gold label by message id, for labelled assistant messages. */
  gold: Map<string, SignalLabel>;
}

/**
 * Streams a labelled file one conversation at a time through the file connector (same layouts, validation and
 * reject reporting as `mine`). A bad record is reported through `onReject` and skipped; the rest is scored.
 */
export async function* readLabelled(file: string, onReject: (r: Reject) => void = () => undefined): AsyncGenerator<LabelledConversation> {
  if (!existsSync(file)) throw new MinerError('BAD_INPUT', `${file}: no such file`);
  for await (const fc of readConversations(file, { onReject }))
    yield { conversation: fc.conversation, source: fc.source ?? '(none)', gold: fc.gold };
}

interface Scored {
  gold: SignalLabel;
  predicted: SignalLabel;
  dsatScore: number;
}

export class ScoreAccumulator {
  readonly rows: Scored[] = [];
  add(row: Scored): void {
    this.rows.push(row);
  }
  scores(): EvalScores {
    const confusion = {} as EvalScores['confusion'];
    for (const g of LABELS) confusion[g] = { sat: 0, dsat: 0, neutral: 0 };
    for (const r of this.rows) confusion[r.gold][r.predicted]++;
    const prf = (label: SignalLabel): PRF => {
      const tp = confusion[label][label];
      const support = LABELS.reduce((n, p) => n + confusion[label][p], 0);
      const predicted = LABELS.reduce((n, g) => n + confusion[g][label], 0);
      const precision = predicted === 0 ? 0 : tp / predicted;
      const recall = support === 0 ? 0 : tp / support;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return { precision: r4(precision), recall: r4(recall), f1: r4(f1), support, predicted };
    };
    return {
      labelled: this.rows.length,
      dsat: prf('dsat'),
      sat: prf('sat'),
      auroc_dsat: r4(auroc(this.rows.map((r) => r.dsatScore), this.rows.map((r) => r.gold === 'dsat'))),
      confusion,
    };
  }
}

/** Area under the ROC curve (Mann-Whitney U with average ranks for ties); NaN when one class is missing. */
export function auroc(scores: number[], positive: boolean[]): number {
  const order = scores.map((s, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (positive[order[k]]) {
      rankSumPos += avgRank;
      pos++;
    }
    i = j + 1;
  }
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface EvalOptions {
  config?: DetectorConfig;
  /** Detector names to run (default: all sync detectors). */
  detectors?: string[];
  /** Optional LLM judge: run on the turns the rules found ambiguous, its signals fused with the rest. */
  judge?: LlmJudge;
}

export async function runEval(file: string, opts: EvalOptions = {}): Promise<EvalReport> {
  const config = opts.config ?? defaultDetectorConfig;
  const detectors = createDetectors(config, opts.detectors);
  const all = new ScoreAccumulator();
  const bySource = new Map<string, ScoreAccumulator>();
  const categories: EvalReport['categories'] = {};
  const perDetector: EvalReport['detectors'] = {};
  let conversations = 0;
  const rejectSamples: Reject[] = [];
  let rejected = 0;
  const onReject = (r: Reject) => {
    rejected++;
    if (rejectSamples.length < 10) rejectSamples.push(r);
  };
  for await (const labelled of readLabelled(file, onReject)) {
    conversations++;
    let detections = detectConversation(labelled.conversation, detectors, config);
    if (opts.judge) {
      const ambiguous = selectAmbiguous(detections);
      if (ambiguous.length > 0) {
        const judged = await opts.judge.judge(ambiguous);
        const extra = new Map([...judged].map(([id, signal]) => [id, [signal]]));
        detections = detectConversation(labelled.conversation, detectors, config, extra);
      }
    }
    for (const { ctx, signals, verdict } of detections) {
      const gold = labelled.gold.get(ctx.assistantTurn.messageId);
      if (!gold) continue;
      const row = { gold, predicted: verdict.label, dsatScore: verdict.dsatScore };
      all.add(row);
      let acc = bySource.get(labelled.source);
      if (!acc) bySource.set(labelled.source, (acc = new ScoreAccumulator()));
      acc.add(row);
      for (const c of verdict.categories) (categories[c] ??= { sat: 0, dsat: 0, neutral: 0 })[gold]++;
      for (const s of signals) {
        if (s.result === null) continue;
        const d = (perDetector[s.detector] ??= { sat: 0, dsat: 0, ambiguous: 0 });
        if ('ambiguous' in s.result) d.ambiguous++;
        else if (s.result.label !== 'neutral') d[s.result.label]++;
      }
    }
  }
  const sources: Record<string, EvalScores> = {};
  for (const [k, acc] of [...bySource].sort()) sources[k] = acc.scores();
  return { file, conversations, rejected, rejectSamples, ...all.scores(), categories, detectors: perDetector, bySource: sources };
}

const r4 = (x: number) => (Number.isNaN(x) ? x : Math.round(x * 1e4) / 1e4);
const pct = (x: number) => (Number.isNaN(x) ? '  n/a' : x.toFixed(3));

export function formatEvalReport(r: EvalReport): string {
  const out: string[] = [];
  out.push(`eval ${r.file}: ${r.conversations} conversations, ${r.labelled} labelled assistant turns`);
  if (r.rejected > 0) {
    out.push(`${r.rejected} record(s) rejected and skipped, e.g.:`);
    for (const x of r.rejectSamples.slice(0, 3)) out.push(`  ${x.file}:${x.line}: field ${x.field}: ${x.reason}`);
  }
  out.push('');
  out.push('label   precision  recall   f1      gold   predicted');
  for (const l of ['dsat', 'sat'] as const) {
    const p = r[l];
    out.push(`${l.padEnd(7)} ${pct(p.precision).padStart(9)}  ${pct(p.recall).padStart(6)}  ${pct(p.f1).padStart(6)}  ${String(p.support).padStart(6)}  ${String(p.predicted).padStart(9)}`);
  }
  out.push(`AUROC (dsat score): ${pct(r.auroc_dsat)}`);
  out.push('');
  out.push('confusion (rows gold, columns predicted)');
  out.push(`${''.padEnd(9)}${LABELS.map((l) => l.padStart(9)).join('')}`);
  for (const g of LABELS) out.push(`${g.padEnd(9)}${LABELS.map((p) => String(r.confusion[g][p]).padStart(9)).join('')}`);
  out.push('');
  out.push('by source                 n   dsat-P  dsat-R  dsat-F1   sat-F1   AUROC');
  for (const [s, v] of Object.entries(r.bySource)) {
    out.push(`${s.padEnd(20)}${String(v.labelled).padStart(7)}  ${pct(v.dsat.precision)}   ${pct(v.dsat.recall)}   ${pct(v.dsat.f1)}   ${pct(v.sat.f1)}   ${pct(v.auroc_dsat)}`);
  }
  out.push('');
  out.push('category               gold-dsat  gold-sat  gold-neutral');
  for (const [c, n] of Object.entries(r.categories).sort()) {
    out.push(`${c.padEnd(22)} ${String(n!.dsat).padStart(9)} ${String(n!.sat).padStart(9)} ${String(n!.neutral).padStart(13)}`);
  }
  out.push('');
  out.push('detector          sat     dsat  ambiguous');
  for (const [d, n] of Object.entries(r.detectors)) {
    out.push(`${d.padEnd(14)} ${String(n.sat).padStart(6)} ${String(n.dsat).padStart(8)} ${String(n.ambiguous).padStart(10)}`);
  }
  return out.join('\n') + '\n';
}
