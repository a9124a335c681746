// Whole conversations straight from a file, for the offline tools (eval, plove, flr) that need no store: the same
// connector and validation as `mine`, turns grouped per conversation in turn order, feedback attached, gold labels
// (labelled layout) collected. Conversation-per-record layouts stream; native turn/event files are grouped in memory.
import type { Conversation, IngestRecord, Reject, StoredFeedback, StoredTurn } from '../src/model.js';
import type { SignalLabel } from '../detectors/types.js';
import { hashUserKey } from '../src/hash.js';
import { readFileRecords, type ReadOptions } from './files.js';

export interface FileConversation {
  conversation: Conversation;
  /** 1-based line (or Parquet row) where the conversation's first record is. */
  line: number;
  /** `source` of a labelled record, when it has one. */
  source: string | null;
  /** Gold labels of the labelled layout, by message id. */
  gold: Map<string, SignalLabel>;
}

export interface ReadConversationOptions extends ReadOptions {
  /** Called for every rejected record; by default rejects are dropped (the caller counts them). */
  onReject?: (r: Reject) => void;
  /** Salt for user hashes (offline tools need no stable salt). */
  salt?: string;
}

export async function* readConversations(file: string, opts: ReadConversationOptions = {}): AsyncGenerator<FileConversation> {
  const salt = opts.salt ?? process.env.FEEDBACK_MINER_SALT ?? 'feedback-miner-offline';
  const byId = new Map<string, FileConversation>();
  const events: StoredFeedback[] = [];
  let grouped = false; // native layout: a conversation's records may be anywhere in the file
  const toStored = (r: Extract<IngestRecord, { type: 'turn' }>): StoredTurn => ({
    conversationId: r.turn.conversation_id,
    turnIndex: r.turn.turn_index,
    messageId: r.turn.message_id,
    role: r.turn.role,
    content: r.turn.content,
    ts: r.turn.ts,
    policyVersion: r.turn.policy_version,
    userHash: r.turn.user_key === null ? null : hashUserKey(salt, r.turn.user_key),
    metadata: r.turn.metadata,
  });
  for await (const batch of readFileRecords(file, opts)) {
    for (const rej of batch.rejects) opts.onReject?.(rej);
    grouped ||= batch.layout === 'native';
    for (const rec of batch.records) {
      if (rec.type === 'feedback') {
        const e = rec.event;
        events.push({ eventId: e.event_id, messageId: e.message_id, kind: e.kind, value: e.value, ts: e.ts, userHash: e.user_key === null ? null : hashUserKey(salt, e.user_key) });
        continue;
      }
      const id = rec.turn.conversation_id;
      let fc = byId.get(id);
      if (!fc) {
        const source = typeof rec.turn.metadata.source === 'string' ? rec.turn.metadata.source : null;
        byId.set(id, (fc = { conversation: { conversationId: id, turns: [], feedback: new Map() }, line: rec.origin.line, source, gold: new Map() }));
      }
      fc.conversation.turns.push(toStored(rec));
      const label = rec.turn.metadata.label;
      if (label === 'sat' || label === 'dsat' || label === 'neutral') fc.gold.set(rec.turn.message_id, label);
    }
    if (!grouped) {
      // One record per conversation: everything before this batch's last record is complete.
      yield* flush(byId, events, false);
    }
  }
  yield* flush(byId, events, true);
}

function* flush(byId: Map<string, FileConversation>, events: StoredFeedback[], all: boolean): Generator<FileConversation> {
  const done = [...byId.values()];
  if (!all) done.pop(); // the last conversation may continue in the next batch
  if (done.length === 0) return;
  const owner = new Map<string, Conversation>();
  for (const fc of done) {
    fc.conversation.turns.sort((a, b) => a.turnIndex - b.turnIndex);
    for (const t of fc.conversation.turns) owner.set(t.messageId, fc.conversation);
  }
  const rest: StoredFeedback[] = [];
  for (const e of events) {
    const conv = owner.get(e.messageId);
    if (!conv) {
      rest.push(e);
      continue;
    }
    const list = conv.feedback.get(e.messageId);
    if (list) list.push(e);
    else conv.feedback.set(e.messageId, [e]);
  }
  events.length = 0;
  if (!all) events.push(...rest);
  for (const fc of done) {
    byId.delete(fc.conversation.conversationId);
    yield fc;
  }
}
