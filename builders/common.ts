// Shared helpers for builders: the prompt an assistant turn answered, regeneration links, record ids.
import { createHash } from 'node:crypto';
import type { Conversation, StoredTurn } from '../src/model.js';
import type { Verdict } from '../detectors/types.js';
import type { ChatMessage, RecordMeta } from './types.js';

export function toMessage(t: StoredTurn): ChatMessage {
  return { role: t.role, content: t.content };
}

export function recordId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);
}

/** The message id an assistant turn regenerates, when it says so (metadata.regenerates). */
export function regeneratesId(t: StoredTurn): string | null {
  const v = t.metadata?.regenerates;
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/**
 * Message ids of assistant turns that a later, consecutive assistant turn regenerated. A link is only honoured when
 * no user turn sits between the two, because a user turn in between makes the later answer a reply to it.
 */
export function regeneratedAway(conv: Conversation): Set<string> {
  const away = new Set<string>();
  const indexById = new Map(conv.turns.map((t, i) => [t.messageId, i]));
  conv.turns.forEach((t, j) => {
    if (t.role !== 'assistant') return;
    const target = regeneratesId(t);
    const k = target == null ? undefined : indexById.get(target);
    if (k === undefined || k >= j || conv.turns[k].role !== 'assistant') return;
    for (let m = k + 1; m < j; m++) if (conv.turns[m].role === 'user') return;
    away.add(target!);
  });
  return away;
}

/**
 * The prompt assistant turn `index` answered: every earlier turn except regenerated-away answers. Null when it does
 * not end in a user (or tool) message, i.e. there is no request the answer replies to.
 */
export function promptFor(conv: Conversation, index: number, away: Set<string>): ChatMessage[] | null {
  const msgs = conv.turns.slice(0, index).filter((t) => !(t.role === 'assistant' && away.has(t.messageId)));
  const last = msgs[msgs.length - 1];
  if (!last || last.role === 'assistant' || last.role === 'system') return null;
  if (!msgs.some((t) => t.role === 'user')) return null;
  return msgs.map(toMessage);
}

/** The user hash of the request an assistant turn answered, else of any user turn in the conversation. */
export function userHashFor(conv: Conversation, index: number): string | null {
  for (let i = index - 1; i >= 0; i--) {
    const t = conv.turns[i];
    if (t.role === 'user' && t.userHash) return t.userHash;
  }
  return conv.turns.find((t) => t.userHash)?.userHash ?? null;
}

export function signalOf(v: Verdict): string {
  return `${v.label}:${[...v.agreed].sort().join('+')}`;
}

export function baseMeta(
  conv: Conversation,
  index: number,
  sourceMethod: string,
  v: Verdict,
  confidence: number,
): Omit<RecordMeta, 'len_chosen' | 'len_rejected'> {
  const t = conv.turns[index];
  return {
    source_method: sourceMethod,
    conversation_id: conv.conversationId,
    turn_index: t.turnIndex,
    policy_version: t.policyVersion,
    signal: signalOf(v),
    category: v.categories[0] ?? null,
    confidence,
    user_hash: userHashFor(conv, index),
  };
}

/** A DSAT verdict usable as a training negative under the config's category exclusions. */
export function isUsableDsat(v: Verdict | undefined, exclude: readonly string[]): v is Verdict {
  return !!v && v.label === 'dsat' && !v.categories.some((c) => exclude.includes(c));
}
