// Ranked pairs: several scored candidates for one prompt (logged regenerations scored by their verdict, or
// candidates from a file scored by FLR / P[Love] / ...); best vs worst when the gap reaches the margin.
import { readFileSync } from 'node:fs';
import { baseMeta, promptFor, recordId, regeneratedAway, userHashFor } from './common.js';
import type { Builder, BuiltRecord, Candidate, ChatMessage } from './types.js';
import type { Verdict } from '../detectors/types.js';

interface Scored {
  content: string;
  score: number;
  confidence: number;
  policyVersion: string | null;
  key: string;
  /** The user regenerated this answer away (a logged regeneration replaced it). */
  away: boolean;
}

/**
 * Confidence of a pair. Each answer's verdict confidence is about its own label, and a regenerated-away answer is
 * usually only weakly DSAT (neutral, low confidence), so the minimum of the two would drop nearly every
 * regeneration pair. When the user's own action orders the pair the same way (the rejected answer was regenerated
 * away, the chosen one was kept), the pair is as trustworthy as its better-supported side; otherwise the weaker
 * side bounds it.
 */
function pairConfidence(best: Scored, worst: Scored): number {
  return worst.away && !best.away ? Math.max(best.confidence, worst.confidence) : Math.min(best.confidence, worst.confidence);
}

/** Verdict-scored candidates use this kind: score = 1 - dsatScore. */
export const VERDICT_SCORE_KIND = 'verdict';

export const rankedBuilder: Builder = {
  name: 'ranked',
  build(jc, ctx) {
    const conv = jc.conversation;
    const away = regeneratedAway(conv);
    // Group assistant answers by the user turn they answer; a group counts only if a regeneration link is in it.
    const groups = new Map<number, { turnIdx: number[]; linked: boolean }>();
    let lastUser = -1;
    conv.turns.forEach((t, i) => {
      if (t.role === 'user') lastUser = i;
      if (t.role !== 'assistant' || lastUser < 0) return;
      const g = groups.get(lastUser) ?? { turnIdx: [], linked: false };
      g.turnIdx.push(i);
      if (away.has(t.messageId)) g.linked = true;
      groups.set(lastUser, g);
    });
    const fileCands = ctx.candidates.get(conv.conversationId);
    const userIdx = new Set<number>([...groups.keys()]);
    if (fileCands) conv.turns.forEach((t, i) => t.role === 'user' && fileCands.has(t.messageId) && userIdx.add(i));

    const out: BuiltRecord[] = [];
    for (const u of [...userIdx].sort((a, b) => a - b)) {
      const userTurn = conv.turns[u];
      const prompt = promptFor(conv, u + 1, away);
      if (!prompt) continue;
      const byKind = new Map<string, Scored[]>();
      const add = (kind: string, s: Scored) => byKind.set(kind, [...(byKind.get(kind) ?? []), s]);
      const g = groups.get(u);
      if (g?.linked) {
        for (const i of g.turnIdx) {
          const t = conv.turns[i];
          const v: Verdict | undefined = jc.verdicts.get(t.messageId);
          if (!v) continue;
          add(VERDICT_SCORE_KIND, {
            content: t.content,
            score: 1 - v.dsatScore,
            confidence: v.confidence,
            policyVersion: t.policyVersion,
            key: t.messageId,
            away: away.has(t.messageId),
          });
        }
      }
      for (const c of fileCands?.get(userTurn.messageId) ?? []) {
        add(c.scoreKind, { content: c.response, score: c.score, confidence: 1, policyVersion: c.policyVersion, key: c.source, away: false });
      }
      for (const kind of [...byKind.keys()].sort()) {
        const cands = byKind.get(kind)!;
        if (cands.length < 2) continue;
        // Ties broken by key so the pick never depends on input order.
        const sorted = [...cands].sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        const best = sorted[0];
        const worst = sorted[sorted.length - 1];
        const margin = best.score - worst.score;
        if (margin < ctx.cfg.margin || best.content === worst.content) continue;
        const chosen: ChatMessage[] = [{ role: 'assistant', content: best.content }];
        const rejected: ChatMessage[] = [{ role: 'assistant', content: worst.content }];
        const worstVerdict = jc.verdicts.get(worst.key);
        out.push({
          id: recordId('ranked', conv.conversationId, userTurn.messageId, kind),
          builder: 'ranked',
          prompt,
          chosen,
          rejected,
          completion: null,
          label: null,
          userPreference: null,
          margin: Math.round(margin * 1e6) / 1e6,
          meta: {
            ...baseMeta(conv, u, 'ranked', worstVerdict ?? { label: 'neutral', dsatScore: 0, categories: [], confidence: 1, agreed: [] }, pairConfidence(best, worst)),
            signal: `rank:${kind}`,
            policy_version: worst.policyVersion,
            user_hash: userHashFor(conv, u + 1), // the asking user turn itself counts
            len_chosen: best.content.length,
            len_rejected: worst.content.length,
          },
        });
      }
    }
    return out;
  },
};

/**
 * Read extra candidates: JSONL, one object per line with conversation_id, prompt_message_id (the user turn
 * answered), response, score, and optional score_kind (default "external") and policy_version.
 */
export function loadCandidates(file: string): Map<string, Map<string, Candidate[]>> {
  const out = new Map<string, Map<string, Candidate[]>>();
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, n) => {
    if (!line.trim()) return;
    const where = `${file}:${n + 1}`;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
    }
    const str = (f: string, optional = false): string | null => {
      const v = o[f];
      if (v == null && optional) return null;
      if (typeof v !== 'string' || v.length === 0) throw new Error(`${where}: field "${f}" must be a non-empty string`);
      return v;
    };
    const score = o.score;
    if (typeof score !== 'number' || !Number.isFinite(score)) throw new Error(`${where}: field "score" must be a finite number`);
    const c: Candidate = {
      conversationId: str('conversation_id')!,
      promptMessageId: str('prompt_message_id')!,
      response: str('response')!,
      score,
      scoreKind: str('score_kind', true) ?? 'external',
      policyVersion: str('policy_version', true),
      source: where,
    };
    const byPrompt = out.get(c.conversationId) ?? new Map<string, Candidate[]>();
    byPrompt.set(c.promptMessageId, [...(byPrompt.get(c.promptMessageId) ?? []), c]);
    out.set(c.conversationId, byPrompt);
  });
  return out;
}
