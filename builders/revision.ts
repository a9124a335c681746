// Revision (seed) pairs (methods §1 seed data): a DSAT answer later revised into one that drew SAT.
// chosen = the revision, rejected = the DSAT answer, prompt = the original request.
import { assistantTurnContexts } from '../detectors/types.js';
import { baseMeta, isUsableDsat, promptFor, recordId, regeneratedAway, regeneratesId, toMessage } from './common.js';
import type { Builder, BuiltRecord } from './types.js';

export const revisionBuilder: Builder = {
  name: 'revision',
  build(jc, ctx) {
    const conv = jc.conversation;
    const away = regeneratedAway(conv);
    const out: BuiltRecord[] = [];
    for (const c of assistantTurnContexts(conv)) {
      const dsatTurn = c.assistantTurn;
      const v = jc.verdicts.get(dsatTurn.messageId);
      // Regenerated-away answers pair with their regeneration in the ranked builder instead.
      if (!isUsableDsat(v, ctx.cfg.excludeDsatCategories) || away.has(dsatTurn.messageId)) continue;
      if (c.followUps.length === 0) continue; // no complaint, so what follows is no revision of this answer
      const prompt = promptFor(conv, c.index, away);
      if (!prompt) continue;
      let gap = 0;
      for (let j = c.index + 1; j < conv.turns.length && gap < ctx.cfg.maxRevisionGap; j++) {
        const t = conv.turns[j];
        if (t.role !== 'assistant' || away.has(t.messageId) || regeneratesId(t) !== null) continue;
        gap++;
        const vj = jc.verdicts.get(t.messageId);
        if (vj?.label === 'dsat') continue; // another failed attempt; keep looking for the one that worked
        if (vj?.label === 'sat') {
          out.push({
            id: recordId('revision', conv.conversationId, dsatTurn.messageId, t.messageId),
            builder: 'revision',
            prompt,
            chosen: [toMessage(t)],
            rejected: [toMessage(dsatTurn)],
            completion: null,
            label: null,
            userPreference: toMessage(c.followUps[0]),
            margin: null,
            meta: {
              ...baseMeta(conv, c.index, 'revision', v, Math.min(v.confidence, vj.confidence)),
              len_chosen: t.content.length,
              len_rejected: dsatTurn.content.length,
            },
          });
        }
        break;
      }
    }
    return out;
  },
};
