// FLR as a model detector: the follow-up-likelihood reward of each assistant turn under a local ONNX causal
// LM. Scoring is async and heavy, so it runs as a batch pass (like the LLM judge) and hands back NamedSignals
// by message id for detectConversation's `extraSignals`; `detect` then answers from that pass's cache.
import { CausalLm, type LoadLmOptions } from '../src/flr/lm.js';
import { scoreResponse, type FlrOptions, type FlrResult } from '../src/flr/score.js';
import type { AssistantTurnContext, Detector, DetectorResult, NamedSignal, Signal } from './types.js';

export const FLR_DETECTOR_VERSION = '1';

export interface FlrSignalOptions {
  /** Rewards at or above this (nats) are SAT; default 0.05. */
  satMargin?: number;
  /** Rewards at or below minus this are DSAT; default 0.05. */
  dsatMargin?: number;
  /** Reward scale of the score mapping sigmoid(reward / scale); default 0.25. */
  scale?: number;
  /** FLR is indirect evidence (a model's guess at the user's reply); default 0.3. */
  confidence?: number;
}

/** Map an FLR result to a signal; null inside the neutral band. */
export function flrSignal(result: FlrResult, opts: FlrSignalOptions = {}): Signal | null {
  const r = result.reward;
  const scale = opts.scale ?? 0.25;
  const dims = Object.entries(result.rewards).sort((a, b) => a[1] - b[1]);
  const evidence = `flr reward ${r.toFixed(3)}; lowest ${dims[0]?.[0]} ${dims[0]?.[1].toFixed(3)}, highest ${dims[dims.length - 1]?.[0]} ${dims[dims.length - 1]?.[1].toFixed(3)}`;
  const confidence = opts.confidence ?? 0.3;
  if (r >= (opts.satMargin ?? 0.05)) return { label: 'sat', category: null, score: 1 / (1 + Math.exp(-r / scale)), confidence, evidence };
  if (r <= -(opts.dsatMargin ?? 0.05)) return { label: 'dsat', category: null, score: 1 / (1 + Math.exp(r / scale)), confidence, evidence };
  return null;
}

export interface FlrDetector extends Detector {
  /** Score the turns (sequentially; each turn's follow-ups are batched on one cached prefix). */
  detectBatch(contexts: AssistantTurnContext[]): Promise<Map<string, NamedSignal[]>>;
  /** Raw FLR results of the last batches, by message id. */
  readonly results: Map<string, FlrResult>;
  release(): Promise<void>;
}

export async function createFlrDetector(
  opts: { modelDir: string } & FlrOptions & FlrSignalOptions & LoadLmOptions,
): Promise<FlrDetector> {
  const lm = await CausalLm.load(opts.modelDir, opts);
  const results = new Map<string, FlrResult>();
  const cache = new Map<string, DetectorResult>();
  return {
    name: 'flr',
    version: FLR_DETECTOR_VERSION,
    kind: 'model',
    results,
    detect(ctx) {
      return cache.get(ctx.assistantTurn.messageId) ?? null;
    },
    async detectBatch(contexts) {
      const out = new Map<string, NamedSignal[]>();
      for (const ctx of contexts) {
        let result: FlrResult;
        try {
          result = await scoreResponse(lm, ctx.before, ctx.assistantTurn.content, opts);
        } catch (err) {
          throw new Error(`flr: message ${ctx.assistantTurn.messageId}: ${(err as Error).message}`);
        }
        const signal = flrSignal(result, opts);
        results.set(ctx.assistantTurn.messageId, result);
        cache.set(ctx.assistantTurn.messageId, signal);
        out.set(ctx.assistantTurn.messageId, [{ detector: 'flr', version: FLR_DETECTOR_VERSION, kind: 'model', result: signal }]);
      }
      return out;
    },
    release: () => lm.release(),
  };
}
