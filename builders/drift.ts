// DRIFT rows (methods §1): every usable DSAT answer becomes {prompt, rejected, user_preference}; the trainer
// samples chosen from the policy it is training (or fillDriftChosen does it from an endpoint).
import { assistantTurnContexts } from '../detectors/types.js';
import { baseMeta, isUsableDsat, promptFor, recordId, regeneratedAway, toMessage } from './common.js';
import type { Builder, BuiltRecord } from './types.js';

export const driftBuilder: Builder = {
  name: 'drift',
  build(jc, ctx) {
    const conv = jc.conversation;
    const away = regeneratedAway(conv);
    const out: BuiltRecord[] = [];
    for (const c of assistantTurnContexts(conv)) {
      const v = jc.verdicts.get(c.assistantTurn.messageId);
      if (!isUsableDsat(v, ctx.cfg.excludeDsatCategories)) continue;
      const prompt = promptFor(conv, c.index, away);
      if (!prompt) continue;
      const complaint = c.followUps[0];
      out.push({
        id: recordId('drift', conv.conversationId, c.assistantTurn.messageId),
        builder: 'drift',
        prompt,
        chosen: null,
        rejected: [toMessage(c.assistantTurn)],
        completion: null,
        label: null,
        userPreference: complaint ? toMessage(complaint) : null,
        margin: null,
        meta: {
          ...baseMeta(conv, c.index, 'drift', v, v.confidence),
          len_chosen: null,
          len_rejected: c.assistantTurn.content.length,
        },
      });
    }
    return out;
  },
};
