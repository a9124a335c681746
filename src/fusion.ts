// Verdict fusion: one verdict per assistant turn from all detectors' signals. Explicit events outrank the LLM judge,
// which outranks rules and models; every weight and threshold comes from DetectorConfig.fusion.
import { defaultDetectorConfig, type DetectorConfig } from '../detectors/config.js';
import { isAmbiguous, type Category, type NamedSignal, type Signal, type Verdict } from '../detectors/types.js';

type Tier = 0 | 1 | 2;
const TIER: Record<NamedSignal['kind'], Tier> = { explicit: 0, judge: 1, model: 2, rule: 2 };
/** How much a tier below the deciding one still moves the score (it never moves the label). */
const LOWER_TIER_SHARE = 0.3;

function noisyOr(values: number[]): number {
  let keep = 1;
  for (const v of values) keep *= 1 - Math.max(0, Math.min(1, v));
  return 1 - keep;
}

interface Evidence {
  signal: Signal;
  detector: string;
  weight: number;
  weakOnly: boolean;
  tier: Tier;
}

export function fuse(signals: NamedSignal[], config: DetectorConfig = defaultDetectorConfig): Verdict {
  const f = config.fusion;
  const evidence: Evidence[] = [];
  const ambiguous: number[] = [];
  for (const s of signals) {
    if (s.result === null) continue;
    const kindWeight = f.kindWeights[s.kind];
    if (isAmbiguous(s.result)) {
      ambiguous.push(f.ambiguousDsatEvidence * kindWeight);
      continue;
    }
    evidence.push({
      signal: s.result,
      detector: s.detector,
      weight: kindWeight * s.result.score,
      weakOnly: f.weakOnly.includes(s.detector),
      tier: TIER[s.kind],
    });
  }

  // The highest tier with a SAT or DSAT signal that may decide decides the label.
  let decidingTier: Tier | null = null;
  for (const e of evidence) {
    if (e.weakOnly || e.signal.label === 'neutral') continue;
    if (decidingTier === null || e.tier < decidingTier) decidingTier = e.tier;
  }
  const pick = (label: 'sat' | 'dsat', inTier: boolean) =>
    evidence
      .filter((e) => e.signal.label === label && !e.weakOnly && (e.tier === decidingTier) === inTier)
      .map((e) => (inTier ? e.weight : e.weight * LOWER_TIER_SHARE));
  const dsatEv = decidingTier === null ? 0 : noisyOr(pick('dsat', true));
  const satEv = decidingTier === null ? 0 : noisyOr(pick('sat', true));
  const weak = evidence.filter((e) => e.weakOnly && e.signal.label === 'dsat').map((e) => e.weight);
  const lowerDsat = decidingTier === null ? [] : pick('dsat', false);
  const lowerSat = decidingTier === null ? [] : pick('sat', false);

  let label: Verdict['label'] = 'neutral';
  if (dsatEv >= f.dsatThreshold && dsatEv > satEv) label = 'dsat';
  else if (satEv >= f.satThreshold && satEv > dsatEv) label = 'sat';

  // Score: DSAT evidence (deciding tier, weak hints, ambiguity, lower tiers) damped by SAT evidence.
  const d = noisyOr([dsatEv, ...weak, ...ambiguous, ...lowerDsat]);
  const s = noisyOr([satEv, ...lowerSat]);
  const base = f.baseDsatScore;
  const dsatScore = d > 0 ? base + (1 - base) * d * (1 - 0.7 * s) : base * (1 - s);

  const agreeing = evidence
    .filter((e) => (label === 'neutral' ? e.signal.label === 'neutral' : e.signal.label === label))
    .sort((a, b) => b.weight - a.weight);
  const categories: Category[] = [];
  for (const e of agreeing) if (e.signal.category && !categories.includes(e.signal.category)) categories.push(e.signal.category);
  const agreed = [...new Set(agreeing.map((e) => e.detector))];
  const confidence =
    label === 'neutral'
      ? Math.max(0.2, 1 - Math.max(d, s)) * 0.6
      : Math.max(...agreeing.filter((e) => !e.weakOnly).map((e) => e.signal.confidence * f.kindWeights[kindOf(signals, e.detector)]));
  return { label, dsatScore: round(dsatScore), categories, confidence: round(confidence), agreed };
}

function kindOf(signals: NamedSignal[], detector: string): NamedSignal['kind'] {
  return signals.find((s) => s.detector === detector)?.kind ?? 'rule';
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
