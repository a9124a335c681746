// Rephrase / revision detector: the user's next turn restates or narrows the request made before the assistant
// turn, which says the answer did not serve it (DSAT revision on the assistant turn in between).
import { defaultDetectorConfig, type DetectorConfig } from './config.js';
import { contentStems, normalisedEditDistance, normalise } from './text.js';
import type { StoredTurn } from '../src/model.js';
import type { AssistantTurnContext, Detector, DetectorResult } from './types.js';

export interface RephraseMeasure {
  jaccard: number;
  /** Share of the earlier request's content words that the follow-up repeats. */
  containment: number;
  editDistance: number;
  requestWords: number;
}

// Each user turn is compared twice (as follow-up, then as the next request): stem it once.
const stemsOf = new WeakMap<object, string[]>();
function turnStems(turn: StoredTurn): string[] {
  let s = stemsOf.get(turn);
  if (!s) stemsOf.set(turn, (s = textStems(turn.content)));
  return s;
}
function textStems(text: string): string[] {
  return contentStems(normalise(text.length > 1000 ? text.slice(0, 1000) : text));
}

export function measureRephrase(request: string, followUp: string): RephraseMeasure {
  return measureStems(textStems(request), textStems(followUp));
}

function measureStems(a: string[], b: string[]): RephraseMeasure {
  const setA = new Set(a);
  const setB = new Set(b);
  let shared = 0;
  for (const s of setA) if (setB.has(s)) shared++;
  const union = setA.size + setB.size - shared;
  return {
    jaccard: union === 0 ? 0 : shared / union,
    containment: setA.size === 0 ? 0 : shared / setA.size,
    editDistance: normalisedEditDistance(a, b),
    requestWords: setA.size,
  };
}

function previousUserTurn(ctx: AssistantTurnContext): StoredTurn | null {
  for (let i = ctx.before.length - 1; i >= 0; i--) {
    const t = ctx.before[i];
    if (t.role === 'user') return t;
    if (t.role === 'assistant') break;
  }
  return null;
}

export function createRephraseDetector(config: DetectorConfig = defaultDetectorConfig): Detector {
  const th = config.rephrase;
  return {
    name: 'rephrase',
    version: '1',
    kind: 'rule',
    detect(ctx: AssistantTurnContext): DetectorResult {
      if (ctx.followUps.length === 0) return null;
      const request = previousUserTurn(ctx);
      if (request === null) return null;
      const m = measureStems(turnStems(request), turnStems(ctx.followUps[0]));
      if (m.requestWords < th.minContentWords) return null;
      const repeat = m.editDistance <= th.maxEditDistance || m.jaccard >= th.jaccard;
      const narrowed = m.containment >= th.containment;
      if (!repeat && !narrowed) return null;
      // A near-verbatim repeat is strong evidence; a narrowed restatement (same words plus constraints) less so.
      const score = repeat ? Math.min(0.95, 0.55 + (1 - m.editDistance) * 0.35) : 0.5;
      return {
        label: 'dsat',
        category: 'revision',
        score,
        confidence: repeat ? 0.7 : 0.5,
        evidence: `${repeat ? 'repeats' : 'narrows'} the request (jaccard ${m.jaccard.toFixed(2)}, edit ${m.editDistance.toFixed(2)})`,
      };
    },
  };
}
