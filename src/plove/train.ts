// Trains the P[Love] text model: hashed n-gram logistic regression (AdaGrad) with the propensity-corrected
// MNAR loss, then Platt scaling on a held-out calibration slice, folded into the exported ONNX graph.
import { rename, writeFile } from 'node:fs/promises';
import { DEFAULT_FEATURE_CONFIG, featurize, type FeatureConfig, type LoveContext, type SparseFeatures } from './features.js';
import { encodeLoveModel, type LinearLoveModel } from './onnx-model.js';
import { mulberry32 } from '../hashing.js';

export interface LoveExample {
  context: LoveContext;
  response: string;
  /** 1 = positive reaction (Love, or `sat` in labelled files). */
  label: 0 | 1 | boolean;
  /** Sample weight; default 1. */
  weight?: number;
  /**
   * P(the user reacts at all | shown), θ, clipped below at TrainOptions.propensityClip; positives count
   * 1 / θ times (see TrainOptions.propensityLoss). Omit (or 1) for fully observed labels.
   */
  propensity?: number;
  /** Keeps related examples (a conversation) on the same side of the calibration split. */
  group?: string;
}

export interface TrainOptions {
  features?: FeatureConfig;
  epochs?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
  /** Share of groups held out to fit Platt scaling; default 0.2. */
  calibrationFraction?: number;
  /** Lower bound on propensities; default 0.05. */
  propensityClip?: number;
  /** Ignore propensities (the naive model); default true = use them. */
  usePropensity?: boolean;
  /**
   * 'unbiased' (default): the MNAR estimator of Saito et al. 2020, target label/θ: a reacted Love counts
   * 1/θ times as positive and (1 - 1/θ) times as negative, so in expectation the loss is the one on the
   * latent "would love it" label. 'ips': a positive counts 1/θ times, negatives once; bounded targets, but
   * it leaves a topic x quality interaction that can still rank a well-exposed bad answer above a rarely
   * exposed good one (seen in the biased-exposure simulation of propensity.test.ts).
   */
  propensityLoss?: 'ips' | 'unbiased';
  /**
   * 'observed' (default): Platt maps scores to the observed chance of a Love on a shown response (what ECE is
   * measured against); 'debiased': to the propensity-corrected target.
   */
  calibrationTarget?: 'observed' | 'debiased';
}

export interface TrainStats {
  examples: number;
  positives: number;
  trainExamples: number;
  calibrationExamples: number;
  meanPropensity: number;
  clippedPropensities: number;
}

export interface TrainedLoveModel extends LinearLoveModel {
  features: FeatureConfig;
  stats: TrainStats;
}

interface Row {
  x: SparseFeatures;
  y: number;
  target: number;
  /** Training weight: sample weight times the inverse propensity where it applies. */
  weight: number;
  sampleWeight: number;
  calibration: boolean;
}

function hash32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}


const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function dot(w: Float32Array, x: SparseFeatures): number {
  let s = 0;
  for (let i = 0; i < x.indices.length; i++) s += w[x.indices[i]] * x.values[i];
  return s;
}

/** Fit p = sigmoid(a*z + b) by damped Newton steps (weighted, small ridge on a). */
export function fitPlatt(z: number[], y: number[], w: number[]): { a: number; b: number } {
  const loss = (a: number, b: number): number => {
    let l = 1e-3 * (a - 1) * (a - 1);
    for (let i = 0; i < z.length; i++) {
      const s = a * z[i] + b;
      // -y*log(sigmoid(s)) - (1-y)*log(1-sigmoid(s)), written to stay finite for large |s|.
      l += w[i] * (Math.max(s, 0) - y[i] * s + Math.log1p(Math.exp(-Math.abs(s))));
    }
    return l;
  };
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 2e-3 * (a - 1);
    let gb = 0;
    let haa = 2e-3;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < z.length; i++) {
      const p = sigmoid(a * z[i] + b);
      const d = w[i] * (p - y[i]);
      const h = w[i] * p * (1 - p);
      ga += d * z[i];
      gb += d;
      haa += h * z[i] * z[i];
      hab += h * z[i];
      hbb += h;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > current && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > current) break;
    a -= step * da;
    b -= step * db;
    const done = current - next < 1e-12 * Math.max(1, current);
    current = next;
    if (done) break;
  }
  return { a, b };
}

export async function trainLoveModel(
  examples: Iterable<LoveExample> | AsyncIterable<LoveExample>,
  opts: TrainOptions = {},
): Promise<TrainedLoveModel> {
  const features = opts.features ?? DEFAULT_FEATURE_CONFIG;
  const epochs = opts.epochs ?? 5;
  const lr = opts.learningRate ?? 0.2;
  const l2 = opts.l2 ?? 1e-6;
  const seed = opts.seed ?? 1;
  const calFraction = opts.calibrationFraction ?? 0.2;
  const clip = opts.propensityClip ?? 0.05;
  const usePropensity = opts.usePropensity ?? true;

  const rows: Row[] = [];
  let positives = 0;
  let propSum = 0;
  let clipped = 0;
  let index = 0;
  for await (const ex of examples) {
    const y = ex.label === true || ex.label === 1 ? 1 : 0;
    const weight = ex.weight ?? 1;
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new Error(`example ${index}: field weight: must be a finite number >= 0`);
    let theta = ex.propensity ?? 1;
    if (!(theta > 0 && theta <= 1)) throw new Error(`example ${index}: field propensity: must be in (0, 1]`);
    propSum += theta;
    if (theta < clip) {
      theta = clip;
      clipped++;
    }
    const unbiased = usePropensity && (opts.propensityLoss ?? 'unbiased') === 'unbiased';
    const target = unbiased ? y / theta : y;
    const exampleWeight = usePropensity && !unbiased && y === 1 ? weight / theta : weight;
    const group = ex.group ?? String(index);
    const calibration = (hash32(group, seed) % 10_000) / 10_000 < calFraction;
    rows.push({ x: featurize(ex.context, ex.response, features), y, target, weight: exampleWeight, sampleWeight: weight, calibration });
    positives += y;
    index++;
  }
  if (rows.length === 0) throw new Error('no training examples');
  let train = rows.filter((r) => !r.calibration);
  let cal = rows.filter((r) => r.calibration);
  // Too little held out to calibrate on: fit Platt on the training rows instead (optimistic, but usable).
  if (cal.length < 20 || cal.every((r) => r.y === cal[0].y)) {
    train = rows;
    cal = rows;
  }

  const w = new Float32Array(features.dim);
  const g2 = new Float32Array(features.dim);
  let bias = 0;
  let biasG2 = 0;
  const rand = mulberry32(seed);
  const order = train.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const k of order) {
      const r = train[k];
      // d/dz of -t*log(p) - (1-t)*log(1-p) is p - t, also for soft targets t > 1 (still convex in z).
      const g = r.weight * (sigmoid(bias + dot(w, r.x)) - r.target);
      if (g === 0) continue;
      for (let i = 0; i < r.x.indices.length; i++) {
        const f = r.x.indices[i];
        const grad = g * r.x.values[i] + l2 * w[f];
        g2[f] += grad * grad;
        w[f] -= (lr * grad) / (Math.sqrt(g2[f]) + 1e-8);
      }
      biasG2 += g * g;
      bias -= (lr * g) / (Math.sqrt(biasG2) + 1e-8);
    }
  }

  const observed = (opts.calibrationTarget ?? 'observed') === 'observed';
  const platt = fitPlatt(
    cal.map((r) => bias + dot(w, r.x)),
    cal.map((r) => (observed ? r.y : r.target)),
    cal.map((r) => (observed ? r.sampleWeight : r.weight)),
  );
  const stats: TrainStats = {
    examples: rows.length,
    positives,
    trainExamples: train.length,
    calibrationExamples: cal === rows ? 0 : cal.length,
    meanPropensity: propSum / rows.length,
    clippedPropensities: clipped,
  };
  return {
    weights: w,
    bias,
    platt,
    features,
    stats,
    metadata: {
      'feedback_miner.model': 'plove-hashed-linear',
      'feedback_miner.features': JSON.stringify(features),
      'feedback_miner.train_stats': JSON.stringify(stats),
      'feedback_miner.calibration': JSON.stringify({ method: 'platt', target: observed ? 'observed' : 'debiased', ...platt }),
    },
  };
}

/** Write the model as ONNX (temporary name, then rename, so a crash never leaves half a file). */
export async function saveLoveModel(model: LinearLoveModel, path: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, encodeLoveModel(model));
  await rename(tmp, path);
}
