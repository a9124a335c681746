// The builder plugin contract: a builder turns judged conversations into training records.
import type { Conversation } from '../src/model.js';
import type { Verdict } from '../detectors/types.js';

/** A conversation with the fused verdict of each judged assistant message (by message id). */
export interface JudgedConversation {
  conversation: Conversation;
  verdicts: Map<string, Verdict>;
}
