// Offline metrics for P[Love]: AUROC (rank-based, ties averaged), expected calibration error and the
// reliability curve behind it.
import type { LoveExample } from './train.js';
import type { LoveScorer } from './scorer.js';

/** Area under the ROC curve (Mann-Whitney U with average ranks); optional example weights. */
export function auroc(scores: number[], labels: number[], weights?: number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let posW = 0;
  let negW = 0;
  let acc = 0; // sum over positives of w * (negative weight ranked below, ties half)
  let i = 0;
  let negBelow = 0;
  while (i < idx.length) {
    let j = i;
    let tiePos = 0;
    let tieNeg = 0;
    while (j < idx.length && scores[idx[j]] === scores[idx[i]]) {
      const w = weights?.[idx[j]] ?? 1;
      if (labels[idx[j]] > 0) tiePos += w;
      else tieNeg += w;
      j++;
    }
    acc += tiePos * (negBelow + tieNeg / 2);
    negBelow += tieNeg;
    posW += tiePos;
    negW += tieNeg;
    i = j;
  }
  return posW > 0 && negW > 0 ? acc / (posW * negW) : Number.NaN;
}

export interface CalibrationBin {
  lo: number;
  hi: number;
  n: number;
  meanPredicted: number;
  observedRate: number;
}

/** Equal-width reliability bins over [0, 1]; empty bins are left out. */
export function calibrationCurve(scores: number[], labels: number[], bins = 10): CalibrationBin[] {
  const sums = Array.from({ length: bins }, () => ({ n: 0, p: 0, y: 0 }));
  scores.forEach((s, i) => {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
    sums[b].n++;
    sums[b].p += s;
    sums[b].y += labels[i] > 0 ? 1 : 0;
  });
  return sums.flatMap((s, b) =>
    s.n === 0 ? [] : [{ lo: b / bins, hi: (b + 1) / bins, n: s.n, meanPredicted: s.p / s.n, observedRate: s.y / s.n }],
  );
}

/** Expected calibration error: bin-size-weighted |mean predicted - observed rate|. */
export function ece(scores: number[], labels: number[], bins = 10): number {
  const curve = calibrationCurve(scores, labels, bins);
  return curve.reduce((acc, b) => acc + (b.n / scores.length) * Math.abs(b.meanPredicted - b.observedRate), 0);
}

export interface LoveEvalReport {
  n: number;
  positives: number;
  auroc: number;
  ece: number;
  meanPredicted: number;
  observedRate: number;
  calibration: CalibrationBin[];
}

export function evaluateScores(scores: number[], labels: number[], bins = 10): LoveEvalReport {
  const n = scores.length;
  const positives = labels.filter((y) => y > 0).length;
  return {
    n,
    positives,
    auroc: auroc(scores, labels),
    ece: ece(scores, labels, bins),
    meanPredicted: scores.reduce((a, b) => a + b, 0) / Math.max(1, n),
    observedRate: positives / Math.max(1, n),
    calibration: calibrationCurve(scores, labels, bins),
  };
}

export async function evaluateLoveScorer(scorer: LoveScorer, examples: LoveExample[], bins = 10): Promise<LoveEvalReport> {
  const scores = await scorer.score(examples);
  return evaluateScores(scores, examples.map((e) => (e.label === true || e.label === 1 ? 1 : 0)), bins);
}
