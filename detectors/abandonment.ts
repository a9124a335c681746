// Abandonment detector: the conversation ends right after an assistant turn. A weak DSAT hint only; fusion never
// lets it decide a label on its own ("good abandonment" is common).
import { defaultDetectorConfig, type DetectorConfig } from './config.js';
import type { AssistantTurnContext, Detector, DetectorResult } from './types.js';

// An assistant turn that closes the conversation itself is a natural end, not abandonment.
const CLOSING = /(?<![\p{L}])(?:good ?bye|bye|you're welcome|you are welcome|have a (?:nice|good|great)|take care|glad (?:i|to) (?:could )?help|enjoy)(?![\p{L}])/u;

export function createAbandonmentDetector(config: DetectorConfig = defaultDetectorConfig): Detector {
  const score = config.abandonment.score;
  return {
    name: 'abandonment',
    version: '1',
    kind: 'rule',
    detect(ctx: AssistantTurnContext): DetectorResult {
      if (!ctx.isLast || ctx.feedback.length > 0) return null;
      const tail = ctx.assistantTurn.content.slice(-300).toLowerCase();
      if (CLOSING.test(tail)) return null;
      return { label: 'dsat', category: 'no_engagement', score, confidence: 0.2, evidence: 'conversation ends after this turn' };
    },
  };
}
