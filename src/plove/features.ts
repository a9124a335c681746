import { fnv1a } from '../hashing.js';
// Hashed n-gram features for the P[Love] text model: response unigrams and bigrams, its ending, the user's
// last message, and a length bucket, hashed into a fixed-size weight vector (the ONNX graph gathers from it).

export interface FeatureConfig {
  /** Size of the hashed weight vector. */
  dim: number;
  version: string;
}

export const DEFAULT_FEATURE_CONFIG: FeatureConfig = { dim: 1 << 18, version: 'hash-ngram-1' };

export type LoveContext = string | { role: string; content: string }[];

export interface SparseFeatures {
  indices: Int32Array;
  values: Float32Array;
}

const TOKEN_RE = /[\p{L}\p{N}']+|[^\s\p{L}\p{N}]/gu;

export function textTokens(text: string): string[] {
  return text.toLowerCase().match(TOKEN_RE) ?? [];
}


/** The user text the response answers: the last user message of the context. */
export function lastUserText(context: LoveContext): string {
  if (typeof context === 'string') return context;
  for (let i = context.length - 1; i >= 0; i--) if (context[i].role === 'user') return context[i].content;
  return '';
}

export function featurize(context: LoveContext, response: string, cfg: FeatureConfig): SparseFeatures {
  const acc = new Map<number, number>();
  // Each group is L2-normalised on its own so long texts do not drown the others.
  const addGroup = (names: string[]): void => {
    const unique = [...new Set(names)];
    if (unique.length === 0) return;
    const v = 1 / Math.sqrt(unique.length);
    for (const n of unique) {
      const idx = fnv1a(n) % cfg.dim;
      acc.set(idx, (acc.get(idx) ?? 0) + v);
    }
  };
  const r = textTokens(response);
  addGroup(r.map((t) => `r1:${t}`));
  addGroup(r.slice(1).map((t, i) => `r2:${r[i]} ${t}`));
  addGroup([`end:${r.slice(-2).join(' ')}`, `end1:${r.slice(-1).join('')}`]);
  addGroup(textTokens(lastUserText(context)).map((t) => `c1:${t}`));
  addGroup([`len:${Math.min(14, Math.floor(Math.log2(1 + response.length)))}`]);
  const indices = new Int32Array(acc.size);
  const values = new Float32Array(acc.size);
  let i = 0;
  for (const [idx, v] of acc) {
    indices[i] = idx;
    values[i++] = v;
  }
  return { indices, values };
}
