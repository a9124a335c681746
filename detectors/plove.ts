// P[Love] as a model detector: the predicted chance that the user Loves the answer, from the project's
// hashed-feature ONNX model or an external sequence-classification reward model. Async batch pass returning
// NamedSignals by message id (detectConversation's `extraSignals`); `detect` answers from that pass's cache.
import { loadLoveScorer, type LoveScorer } from '../src/plove/scorer.js';
import type { AssistantTurnContext, Detector, DetectorResult, NamedSignal, Signal } from './types.js';

export const PLOVE_DETECTOR_VERSION = '1';

export interface PloveSignalOptions {
  /** P[Love] at or above this is a SAT signal; default 0.3. */
  satThreshold?: number;
  /** P[Love] at or below this is a (weak) DSAT signal; default null: a missing Love says little. */
  dsatThreshold?: number | null;
  /** Default 0.3: a prediction of a reaction, not a reaction. */
  confidence?: number;
}

export function ploveSignal(pLove: number, opts: PloveSignalOptions = {}): Signal | null {
  const confidence = opts.confidence ?? 0.3;
  const evidence = `P[Love] ${pLove.toFixed(3)}`;
  if (pLove >= (opts.satThreshold ?? 0.3)) return { label: 'sat', category: null, score: pLove, confidence, evidence };
  const dsat = opts.dsatThreshold ?? null;
  if (dsat !== null && pLove <= dsat) return { label: 'dsat', category: null, score: 1 - pLove, confidence, evidence };
  return null;
}

export interface PloveDetector extends Detector {
  detectBatch(contexts: AssistantTurnContext[]): Promise<Map<string, NamedSignal[]>>;
  /** P[Love] of the last batches, by message id. */
  readonly scores: Map<string, number>;
  release(): Promise<void>;
}

export async function createPloveDetector(opts: { model: string; batchSize?: number } & PloveSignalOptions): Promise<PloveDetector> {
  const scorer: LoveScorer = await loadLoveScorer(opts.model);
  const scores = new Map<string, number>();
  const cache = new Map<string, DetectorResult>();
  const batchSize = opts.batchSize ?? 512;
  return {
    name: 'plove',
    version: PLOVE_DETECTOR_VERSION,
    kind: 'model',
    scores,
    detect(ctx) {
      return cache.get(ctx.assistantTurn.messageId) ?? null;
    },
    async detectBatch(contexts) {
      const out = new Map<string, NamedSignal[]>();
      for (let b0 = 0; b0 < contexts.length; b0 += batchSize) {
        const batch = contexts.slice(b0, b0 + batchSize);
        const p = await scorer.score(batch.map((c) => ({ context: c.before.map((t) => ({ role: t.role, content: t.content })), response: c.assistantTurn.content })));
        batch.forEach((ctx, i) => {
          const id = ctx.assistantTurn.messageId;
          const signal = ploveSignal(p[i], opts);
          scores.set(id, p[i]);
          cache.set(id, signal);
          out.set(id, [{ detector: 'plove', version: PLOVE_DETECTOR_VERSION, kind: 'model', result: signal }]);
        });
      }
      return out;
    },
    release: () => scorer.release(),
  };
}
