// Damage injected into generated logs at a configurable rate, so connectors and the store are exercised on the
// faults production files have. Every damaged line is reported with its kind; out_of_order lines are valid data.
import type { EventRecord, SimRecord, TurnRecord } from './conversation.js';
import type { Rng } from './rng.js';

export const MALFORM_KINDS = [
  'invalid_json',
  'truncated',
  'missing_field',
  'wrong_type',
  'unknown_role',
  'empty_content',
  'duplicate_message_id',
  'out_of_order',
] as const;
export type MalformKind = (typeof MALFORM_KINDS)[number];

/** Kinds that make sense for a feedback event line or a whole-conversation line. */
const EVENT_KINDS: readonly MalformKind[] = ['invalid_json', 'truncated', 'missing_field', 'wrong_type'];
export const CONVERSATION_LINE_KINDS: readonly MalformKind[] = [
  'invalid_json',
  'truncated',
  'missing_field',
  'wrong_type',
  'unknown_role',
  'empty_content',
];

/** One native record to emit, possibly damaged; `variant` in [0,1) picks how, fixed at planning time. */
export interface PlannedRecord {
  record: SimRecord;
  kind?: MalformKind;
  variant: number;
}

/**
 * Decides which of a conversation's records get damaged. Each record is hit with probability `rate`;
 * out_of_order moves a later turn in front of this one, duplicate_message_id adds a second line for the turn.
 */
export function planNative(records: SimRecord[], rng: Rng, rate: number): PlannedRecord[] {
  const out: PlannedRecord[] = records.map((record) => ({ record, variant: 0 }));
  if (rate <= 0) return out;
  for (let i = 0; i < out.length; i++) {
    const p = out[i];
    if (p.kind !== undefined || !rng.chance(rate)) continue;
    const kind = p.record.type === 'turn' ? rng.pick(MALFORM_KINDS) : rng.pick(EVENT_KINDS);
    const variant = rng.next();
    if (kind === 'out_of_order') {
      let j = i + 1;
      while (j < out.length && (out[j].record.type !== 'turn' || out[j].kind !== undefined)) j++;
      if (j >= out.length) {
        p.kind = 'missing_field';
        p.variant = variant;
        continue;
      }
      const [later] = out.splice(j, 1);
      out.splice(i, 0, { record: later.record, kind, variant });
      i++; // the displaced record keeps its place right after
      continue;
    }
    if (kind === 'duplicate_message_id') {
      out.splice(i + 1, 0, { record: p.record, kind, variant });
      i++;
      continue;
    }
    p.kind = kind;
    p.variant = variant;
  }
  return out;
}

export function turnObject(t: TurnRecord): Record<string, unknown> {
  return {
    type: 'turn',
    conversation_id: t.conversation_id,
    turn_index: t.turn_index,
    message_id: t.message_id,
    role: t.role,
    content: t.content,
    ts: new Date(t.ts).toISOString(),
    policy_version: t.policy_version,
    user_key: t.user_key,
    metadata: t.metadata,
  };
}

export function eventObject(e: EventRecord): Record<string, unknown> {
  return {
    type: 'feedback',
    event_id: e.event_id,
    message_id: e.message_id,
    kind: e.kind,
    value: e.value,
    ts: new Date(e.ts).toISOString(),
    user_key: e.user_key,
  };
}

const pickBy = <T>(items: readonly T[], variant: number): T => items[Math.floor(variant * items.length)];

/** Breaks the JSON syntax of a serialized line in one of a few ways seen in real files. */
function breakJson(line: string, variant: number): string {
  switch (Math.floor(variant * 4)) {
    case 0:
      return line.slice(0, -1); // closing brace lost
    case 1:
      return line.replace(/^\{"(\w+)":/, '{$1:'); // unquoted key
    case 2:
      return line.slice(0, -1) + ',}'; // trailing comma
    default:
      return line.replace(/":"/, '":\''); // mismatched quote
  }
}

function truncate(line: string, variant: number): string {
  return line.slice(0, Math.max(1, Math.floor(line.length * (0.2 + 0.7 * variant))));
}

let isoDay = NaN;
let isoDayPrefix = '';
const pad2 = (n: number) => (n < 10 ? '0' : '') + n;

/** Date#toISOString for post-1970 times, reusing the date part (a hot path: one call per line). */
export function isoTime(ms: number): string {
  const day = Math.floor(ms / 86_400_000);
  if (day !== isoDay) {
    isoDay = day;
    isoDayPrefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  let rest = ms - day * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  const milli = rest - sec * 1000;
  return `${isoDayPrefix}${pad2(h)}:${pad2(m)}:${pad2(sec)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

// Fast path for clean records: the same bytes as JSON.stringify(turnObject(t)) (a test checks this), without the
// intermediate object. Ids and user keys are generated from [a-z0-9-] only, so they need no escaping.
// User turns of a conversation share one metadata object: serialize it once.
let lastMetadata: object | null = null;
let lastMetadataJson = '';

function metadataJson(metadata: Record<string, unknown>): string {
  if (metadata !== lastMetadata) {
    lastMetadata = metadata;
    lastMetadataJson = JSON.stringify(metadata);
  }
  return lastMetadataJson;
}

function turnLine(t: TurnRecord, policyJson: string): string {
  // Assistant metadata holds ground truth that is filled in after the turn is created, so never cache it.
  const metadata = t.role === 'user' ? metadataJson(t.metadata) : JSON.stringify(t.metadata);
  return `{"type":"turn","conversation_id":"${t.conversation_id}","turn_index":${t.turn_index},"message_id":"${t.message_id}","role":"${t.role}","content":${JSON.stringify(t.content)},"ts":"${isoTime(t.ts)}","policy_version":${policyJson},"user_key":"${t.user_key}","metadata":${metadata}}`;
}

function eventLine(e: EventRecord): string {
  return `{"type":"feedback","event_id":"${e.event_id}","message_id":"${e.message_id}","kind":"${e.kind}","value":${e.value},"ts":"${isoTime(e.ts)}","user_key":"${e.user_key}"}`;
}

/** Serializes one planned native record, applying its damage. `policyJson` is JSON.stringify(policy_version). */
export function serializeNative(p: PlannedRecord, policyJson: string): string {
  if (p.kind === undefined || p.kind === 'out_of_order') {
    return p.record.type === 'turn' ? turnLine(p.record, policyJson) : eventLine(p.record);
  }
  const base = p.record.type === 'turn' ? turnObject(p.record) : eventObject(p.record);
  const v = p.variant;
  switch (p.kind) {
    case 'invalid_json':
      return breakJson(JSON.stringify(base), v);
    case 'truncated':
      return truncate(JSON.stringify(base), v);
    case 'missing_field': {
      const fields = p.record.type === 'turn' ? ['conversation_id', 'message_id', 'content', 'role', 'turn_index'] : ['message_id', 'kind', 'event_id'];
      delete base[pickBy(fields, v)];
      return JSON.stringify(base);
    }
    case 'wrong_type':
      if (p.record.type === 'turn') {
        if (v < 0.4) base.turn_index = String(base.turn_index);
        else if (v < 0.7) base.content = { text: base.content };
        else base.ts = 'yesterday afternoon';
      } else if (v < 0.5) base.value = 'one';
      else base.message_id = 12345;
      return JSON.stringify(base);
    case 'unknown_role':
      base.role = pickBy(['moderator', 'bot', 'narrator', 'agent_internal'], v);
      return JSON.stringify(base);
    case 'empty_content':
      base.content = v < 0.5 ? '' : '   ';
      return JSON.stringify(base);
    case 'duplicate_message_id':
      // Half are exact replays (at-least-once delivery), half reuse the id for different content.
      if (v >= 0.5) base.content = `${String(base.content).slice(0, 40)} [resent]`;
      return JSON.stringify(base);
  }
}

/**
 * Damages a one-conversation-per-line record (openai/sharegpt/wildchat). `messagesKey` names its message list,
 * `roleKey`/`contentKey` the fields of one message.
 */
export function malformConversationLine(
  obj: Record<string, unknown>,
  kind: MalformKind,
  variant: number,
  messagesKey: string,
  roleKey: string,
  contentKey: string,
): string {
  const messages = obj[messagesKey] as Record<string, unknown>[];
  const victim = messages[Math.floor(variant * messages.length)];
  switch (kind) {
    case 'invalid_json':
      return breakJson(JSON.stringify(obj), variant);
    case 'truncated':
      return truncate(JSON.stringify(obj), variant);
    case 'missing_field':
      if (variant < 0.5) delete obj[messagesKey];
      else delete victim[contentKey];
      return JSON.stringify(obj);
    case 'wrong_type':
      if (variant < 0.5) obj[messagesKey] = JSON.stringify(messages);
      else victim[contentKey] = 42;
      return JSON.stringify(obj);
    case 'unknown_role':
      victim[roleKey] = 'moderator';
      return JSON.stringify(obj);
    default:
      victim[contentKey] = '';
      return JSON.stringify(obj);
  }
}
