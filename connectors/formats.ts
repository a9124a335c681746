// Record layouts the file and Kafka connectors understand, and their normalisation into canonical turns and
// feedback events. Each function validates once and reports the first bad field of a record.
import { z } from 'zod';
import {
  DEFAULT_MAX_CONTENT_BYTES,
  feedbackEventSchema,
  turnSchema,
  type FeedbackEvent,
  type IngestRecord,
  type Origin,
  type Reject,
  type Turn,
} from '../src/model.js';
import { contentId } from '../src/hash.js';

export const LAYOUTS = ['native', 'openai', 'wildchat', 'sharegpt', 'labelled'] as const;
export type Layout = (typeof LAYOUTS)[number];

export interface NormaliseOptions {
  maxContentBytes?: number;
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Guess a record's layout from the keys it carries; null when it fits none. */
export function detectLayout(rec: unknown): Layout | null {
  if (!isObj(rec)) return null;
  if (Array.isArray(rec.messages)) {
    const labelled = rec.messages.some((m) => isObj(m) && 'label' in m);
    return labelled ? 'labelled' : 'openai';
  }
  if (Array.isArray(rec.conversation) && ('conversation_hash' in rec || 'model' in rec)) return 'wildchat';
  if (Array.isArray(rec.conversations)) return 'sharegpt';
  if (rec.type === 'turn' || rec.type === 'feedback') return 'native';
  if ('conversation_id' in rec && 'role' in rec) return 'native';
  if ('event_id' in rec && 'kind' in rec) return 'native';
  return null;
}

export type NormaliseResult = { records: IngestRecord[]; rejects: Reject[] };

const zodField = (err: z.ZodError, prefix = ''): { field: string; reason: string } => {
  const issue = err.issues[0];
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 && !prefix ? String(p) : `.${String(p)}`))
    .join('');
  const field = prefix ? `${prefix}${path}` : path || '(record)';
  let reason = issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) reason = 'missing';
  return { field, reason };
};

const schemaCache = new Map<number, ReturnType<typeof turnSchema>>();
function schemaFor(maxBytes: number) {
  let s = schemaCache.get(maxBytes);
  if (!s) schemaCache.set(maxBytes, (s = turnSchema(maxBytes)));
  return s;
}

function messageText(content: unknown): unknown {
  // OpenAI content may be an array of parts; keep the text parts, in order.
  if (Array.isArray(content)) {
    const texts = content
      .map((p) => (isObj(p) && typeof p.text === 'string' ? p.text : typeof p === 'string' ? p : ''))
      .filter((s) => s.length > 0);
    return texts.length ? texts.join('\n') : content;
  }
  return content;
}

const SHAREGPT_ROLES: Record<string, string> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  chatgpt: 'assistant',
  bard: 'assistant',
  bing: 'assistant',
  assistant: 'assistant',
  model: 'assistant',
  system: 'system',
  tool: 'tool',
  function: 'tool',
  observation: 'tool',
};

/** Normalise one parsed record of the given layout into turns/feedback, or a reject naming the bad field. */
export function normaliseRecord(rec: unknown, layout: Layout, origin: Origin, opts: NormaliseOptions = {}): NormaliseResult {
  const maxBytes = opts.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES;
  const reject = (field: string, reason: string): NormaliseResult => ({
    records: [],
    rejects: [{ file: origin.file, line: origin.line, field, reason }],
  });
  if (!isObj(rec)) return reject('(record)', 'not a JSON object');

  if (layout === 'native') {
    const isFeedback = rec.type === 'feedback' || (rec.type === undefined && 'event_id' in rec && !('role' in rec));
    if (isFeedback) {
      const parsed = feedbackEventSchema.safeParse(rec);
      if (!parsed.success) return reject(...Object.values(zodField(parsed.error)) as [string, string]);
      return { records: [{ type: 'feedback', event: parsed.data, origin }], rejects: [] };
    }
    if (rec.type !== undefined && rec.type !== 'turn') return reject('type', `unknown record type ${JSON.stringify(rec.type)}`);
    const parsed = schemaFor(maxBytes).safeParse(rec);
    if (!parsed.success) return reject(...Object.values(zodField(parsed.error)) as [string, string]);
    return { records: [{ type: 'turn', turn: parsed.data, origin }], rejects: [] };
  }

  // Conversation-level layouts: one record -> many turns. A bad message rejects the whole record, because a
  // conversation with a hole in it would mislead the detectors.
  let list: unknown;
  let listField: string;
  let conversationId: unknown;
  let policy: unknown = null;
  let userKey: unknown = null;
  const baseMeta: Json = {};
  if (layout === 'openai' || layout === 'labelled') {
    list = rec.messages;
    listField = 'messages';
    conversationId = rec.id ?? rec.conversation_id;
    policy = rec.model ?? rec.policy_version ?? null;
    userKey = rec.user ?? rec.user_key ?? null;
    if (typeof rec.source === 'string') baseMeta.source = rec.source;
  } else if (layout === 'wildchat') {
    list = rec.conversation;
    listField = 'conversation';
    conversationId = rec.conversation_hash ?? rec.conversation_id;
    policy = rec.model ?? null;
    userKey = rec.hashed_ip ?? rec.user ?? null;
    for (const k of ['language', 'country', 'toxic']) if (k in rec) baseMeta[k] = rec[k];
  } else {
    list = rec.conversations;
    listField = 'conversations';
    conversationId = rec.id ?? rec.conversation_id;
  }
  if (!Array.isArray(list)) return reject(listField, 'missing or not an array');
  if (list.length === 0) return reject(listField, 'empty conversation');
  if (conversationId !== undefined && conversationId !== null && typeof conversationId !== 'string' && typeof conversationId !== 'number')
    return reject(layout === 'wildchat' ? 'conversation_hash' : 'id', 'expected a string');
  const convId = conversationId == null ? contentId('conv', JSON.stringify(list)) : String(conversationId);
  if (policy !== null && typeof policy !== 'string') return reject('model', 'expected a string');

  const records: IngestRecord[] = [];
  const schema = schemaFor(maxBytes);
  for (let i = 0; i < list.length; i++) {
    const m = list[i];
    const at = `${listField}[${i}]`;
    if (!isObj(m)) return reject(at, 'not an object');
    let role: unknown;
    let content: unknown;
    if (layout === 'sharegpt') {
      if (typeof m.from !== 'string') return reject(`${at}.from`, m.from === undefined ? 'missing' : 'expected a string');
      role = SHAREGPT_ROLES[m.from.toLowerCase()];
      if (!role) return reject(`${at}.from`, `unknown role ${JSON.stringify(m.from)}`);
      content = m.value;
    } else {
      role = m.role === 'function' ? 'tool' : m.role;
      content = messageText(m.content);
    }
    const meta: Json = { ...baseMeta };
    if (m.label !== undefined && m.label !== null) {
      if (m.label !== 'sat' && m.label !== 'dsat' && m.label !== 'neutral') return reject(`${at}.label`, 'expected one of sat, dsat, neutral');
      if (role !== 'assistant') return reject(`${at}.label`, 'labels belong on assistant messages');
      meta.label = m.label;
    }
    if (isObj(m.metadata)) Object.assign(meta, m.metadata);
    const candidate = {
      conversation_id: convId,
      turn_index: i,
      message_id: typeof m.id === 'string' ? m.id : typeof m.message_id === 'string' ? m.message_id : `${convId}:${i}`,
      role,
      content,
      ts: m.timestamp ?? m.ts ?? m.created_at ?? null,
      policy_version: role === 'assistant' ? (typeof m.model === 'string' ? m.model : policy) : null,
      user_key: userKey,
      metadata: meta,
    };
    const parsed = schema.safeParse(candidate);
    if (!parsed.success) {
      const { field, reason } = zodField(parsed.error);
      const mapped = field === 'content' && layout === 'sharegpt' ? 'value' : field;
      return reject(`${at}.${mapped}`, reason);
    }
    records.push({ type: 'turn', turn: parsed.data as Turn, origin });
    // Feedback carried inline on a message (e.g. exported UI reactions).
    if (Array.isArray(m.feedback)) {
      for (let k = 0; k < m.feedback.length; k++) {
        const f = m.feedback[k];
        const ev = feedbackEventSchema.safeParse({
          event_id: isObj(f) && typeof f.event_id === 'string' ? f.event_id : `${parsed.data.message_id}:fb${k}`,
          message_id: parsed.data.message_id,
          user_key: userKey,
          ...(isObj(f) ? f : {}),
        });
        if (!ev.success) {
          const { field, reason } = zodField(ev.error);
          return reject(`${at}.feedback[${k}].${field}`, reason);
        }
        records.push({ type: 'feedback', event: ev.data as FeedbackEvent, origin });
      }
    }
  }
  return { records, rejects: [] };
}
