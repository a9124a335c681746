// Explicit-event detector: UI feedback on an assistant message (love, thumbs, regenerate, copy, edit, stop), each
// kind mapped to SAT or DSAT with its own configurable weight.
import { defaultDetectorConfig, type DetectorConfig } from './config.js';
import type { AssistantTurnContext, Detector, DetectorResult } from './types.js';

export function createExplicitDetector(config: DetectorConfig = defaultDetectorConfig): Detector {
  const kinds = config.explicit;
  return {
    name: 'explicit',
    version: '1',
    kind: 'explicit',
    detect(ctx: AssistantTurnContext): DetectorResult {
      if (ctx.feedback.length === 0) return null;
      let sat = 0;
      let dsat = 0;
      const seen: string[] = [];
      for (const event of ctx.feedback) {
        const mapping = kinds[event.kind];
        if (!mapping) continue; // unknown kinds are stored and passed through, not interpreted
        // A thumbs event with a negative value is a retraction or reversal: read the sign, not only the kind.
        const flipped = event.value !== null && event.value < 0;
        const label = flipped ? (mapping.label === 'sat' ? 'dsat' : 'sat') : mapping.label;
        if (label === 'sat') sat = Math.max(sat, mapping.weight);
        else dsat = Math.max(dsat, mapping.weight);
        seen.push(flipped ? `${event.kind}(${event.value})` : event.kind);
      }
      if (sat === 0 && dsat === 0) return null;
      const evidence = seen.join(', ');
      // Conflicting events of equal weight (thumbs up then down) cannot be read without order: ask a model.
      if (sat === dsat) return { ambiguous: true, evidence: `conflicting events: ${evidence}` };
      const label = dsat > sat ? 'dsat' : 'sat';
      const score = Math.max(sat, dsat);
      return { label, category: null, score, confidence: score, evidence };
    },
  };
}
