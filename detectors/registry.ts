// The closed list of satisfaction detectors and their registry, validated when loaded; builds the sync detector
// set and runs it with fusion over a conversation.
import { MinerError } from '../src/errors.js';
import { fuse } from '../src/fusion.js';
import type { Conversation } from '../src/model.js';
import { createAbandonmentDetector } from './abandonment.js';
import { defaultDetectorConfig, type DetectorConfig } from './config.js';
import { createExplicitDetector } from './explicit.js';
import { createRephraseDetector } from './rephrase.js';
import { assistantTurnContexts, type AssistantTurnContext, type Detector, type NamedSignal, type Verdict } from './types.js';
import { createWildFeedbackDetector } from './wildfeedback.js';

export const DETECTOR_NAMES = ['explicit', 'wildfeedback', 'rephrase', 'abandonment', 'llm_judge', 'flr', 'plove'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

export interface DetectorEntry {
  kind: Detector['kind'];
  /** Sync detectors run in every pass; 'async' ones (the judge, model detectors) are built and run by their own
   * pass; 'reserved' names are taken but not implemented. */
  mode: 'sync' | 'async' | 'reserved';
  create: ((config: DetectorConfig) => Detector) | null;
  description: string;
}

export const DETECTOR_REGISTRY = {
  explicit: { kind: 'explicit', mode: 'sync', create: createExplicitDetector, description: 'UI events: love, thumbs, regenerate, copy, edit, stop' },
  wildfeedback: { kind: 'rule', mode: 'sync', create: createWildFeedbackDetector, description: 'WildFeedback 9 SAT / 9 DSAT categories of the follow-up' },
  rephrase: { kind: 'rule', mode: 'sync', create: createRephraseDetector, description: 'follow-up restates or narrows the request' },
  abandonment: { kind: 'rule', mode: 'sync', create: createAbandonmentDetector, description: 'conversation ends after the turn (weak)' },
  llm_judge: { kind: 'judge', mode: 'async', create: null, description: 'LLM judge for ambiguous turns (detectors/llm-judge.ts)' },
  // Model detectors load a model asynchronously (createFlrDetector / createPloveDetector); they are not imported here
  // so the rule path never loads onnxruntime.
  flr: { kind: 'model', mode: 'async', create: null, description: 'follow-up likelihood as reward (detectors/flr.ts: createFlrDetector)' },
  plove: { kind: 'model', mode: 'async', create: null, description: 'predicted love (detectors/plove.ts: createPloveDetector)' },
} satisfies Record<DetectorName, DetectorEntry>;

/** Checks the registry against the closed name list; run at load so a broken registry fails at start-up. */
export function validateRegistry(registry: Record<string, DetectorEntry>): void {
  const names = new Set<string>(DETECTOR_NAMES);
  for (const key of Object.keys(registry)) {
    if (!names.has(key)) throw new MinerError('BAD_CONFIG', `detector registry: unknown detector "${key}"`);
  }
  for (const name of DETECTOR_NAMES) {
    const entry = registry[name];
    if (!entry) throw new MinerError('BAD_CONFIG', `detector registry: missing detector "${name}"`);
    if (entry.mode === 'sync' && typeof entry.create !== 'function') {
      throw new MinerError('BAD_CONFIG', `detector registry: sync detector "${name}" has no factory`);
    }
    if (entry.mode === 'sync') {
      const detector = entry.create!(defaultDetectorConfig);
      if (detector.name !== name || detector.kind !== entry.kind) {
        throw new MinerError('BAD_CONFIG', `detector registry: "${name}" builds "${detector.name}" of kind ${detector.kind}`);
      }
    }
  }
}
validateRegistry(DETECTOR_REGISTRY);

export function isDetectorName(name: string): name is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(name);
}

/** The sync detectors, all of them by default or the named ones; unknown or unavailable names are an error. */
export function createDetectors(config: DetectorConfig = defaultDetectorConfig, names?: string[]): Detector[] {
  const selected = names ?? DETECTOR_NAMES.filter((n) => DETECTOR_REGISTRY[n].mode === 'sync');
  return selected.map((name) => {
    if (!isDetectorName(name)) {
      throw new MinerError('BAD_CONFIG', `unknown detector "${name}" (known: ${DETECTOR_NAMES.join(', ')})`);
    }
    const entry: DetectorEntry = DETECTOR_REGISTRY[name];
    if (entry.mode !== 'sync' || !entry.create) {
      throw new MinerError('BAD_CONFIG', `detector "${name}" is not a sync detector (${entry.mode}): ${entry.description}`);
    }
    return entry.create(config);
  });
}

export interface TurnDetection {
  ctx: AssistantTurnContext;
  signals: NamedSignal[];
  verdict: Verdict;
}

/**
 * Runs the detectors on every assistant turn of a conversation and fuses their signals into one verdict per turn.
 * `extraSignals` (by message id) carries results of async passes such as the LLM judge.
 */
export function detectConversation(
  conversation: Conversation,
  detectors: Detector[],
  config: DetectorConfig = defaultDetectorConfig,
  extraSignals?: Map<string, NamedSignal[]>,
): TurnDetection[] {
  const out: TurnDetection[] = [];
  for (const ctx of assistantTurnContexts(conversation)) {
    const signals: NamedSignal[] = [];
    for (const detector of detectors) {
      signals.push({ detector: detector.name, version: detector.version, kind: detector.kind, result: detector.detect(ctx) });
    }
    const extra = extraSignals?.get(ctx.assistantTurn.messageId);
    if (extra) signals.push(...extra);
    out.push({ ctx, signals, verdict: fuse(signals, config) });
  }
  return out;
}
