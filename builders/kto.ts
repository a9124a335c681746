// KTO rows (unpaired): every SAT answer (label true) and every usable DSAT answer (label false).
import { assistantTurnContexts } from '../detectors/types.js';
import { baseMeta, isUsableDsat, promptFor, recordId, regeneratedAway, toMessage } from './common.js';
import type { Builder, BuiltRecord } from './types.js';

export const ktoBuilder: Builder = {
  name: 'kto',
  build(jc, ctx) {
    const conv = jc.conversation;
    const away = regeneratedAway(conv);
    const out: BuiltRecord[] = [];
    for (const c of assistantTurnContexts(conv)) {
      const t = c.assistantTurn;
      const v = jc.verdicts.get(t.messageId);
      if (!v) continue;
      const label = v.label === 'sat' ? true : isUsableDsat(v, ctx.cfg.excludeDsatCategories) ? false : null;
      if (label === null) continue;
      const prompt = promptFor(conv, c.index, away);
      if (!prompt) continue;
      out.push({
        id: recordId('kto', conv.conversationId, t.messageId),
        builder: 'kto',
        prompt,
        chosen: null,
        rejected: null,
        completion: [toMessage(t)],
        label,
        userPreference: null,
        margin: null,
        meta: {
          ...baseMeta(conv, c.index, 'kto', v, v.confidence),
          len_chosen: label ? t.content.length : null,
          len_rejected: label ? null : t.content.length,
        },
      });
    }
    return out;
  },
};
