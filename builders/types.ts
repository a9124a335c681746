// The builder plugin contract: a builder turns judged conversations into training records.
import type { Conversation } from '../src/model.js';
import type { Verdict } from '../detectors/types.js';

/** A conversation with the fused verdict of each judged assistant message (by message id). */
export interface JudgedConversation {
  conversation: Conversation;
  verdicts: Map<string, Verdict>;
}

/** One chat message as trainers read it (TRL conversational format). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/** The closed list of builders; the registry in builders/index.ts must cover exactly these. */
export const BUILDER_NAMES = ['drift', 'revision', 'ranked', 'kto'] as const;
export type BuilderName = (typeof BUILDER_NAMES)[number];

/**
 * One training record before formatting. Paired builders fill chosen+rejected; KTO fills completion+label;
 * DRIFT fills rejected+userPreference and leaves chosen null until a policy sample fills it.
 */
export interface BuiltRecord {
  id: string;
  builder: BuilderName;
  prompt: ChatMessage[];
  chosen: ChatMessage[] | null;
  rejected: ChatMessage[] | null;
  completion: ChatMessage[] | null;
  label: boolean | null;
  /** DRIFT only: the user turn that expressed the dissatisfaction (null when the DSAT came from an event only). */
  userPreference: ChatMessage | null;
  /** Score gap between chosen and rejected (ranked pairs); OpenRLHF reads it as `margin`. */
  margin: number | null;
  meta: RecordMeta;
}

/** Audit columns carried with every record (trainers ignore them). */
export interface RecordMeta {
  source_method: string;
  conversation_id: string;
  turn_index: number;
  policy_version: string | null;
  signal: string;
  category: string | null;
  confidence: number;
  user_hash: string | null;
  len_chosen: number | null;
  len_rejected: number | null;
}

/** A scored candidate answer to one user turn, supplied from outside the logs (e.g. K policy samples + FLR). */
export interface Candidate {
  conversationId: string;
  /** Message id of the user turn the candidate answers. */
  promptMessageId: string;
  response: string;
  /** Higher is better. Candidates are only compared with others of the same scoreKind. */
  score: number;
  scoreKind: string;
  policyVersion: string | null;
  /** Where the candidate came from, for audit (file:line). */
  source: string;
}

/** What a builder may read besides the conversation. */
export interface BuildContext {
  cfg: import('./config.js').ReleaseConfig;
  /** Extra candidates keyed by conversationId, then promptMessageId. */
  candidates: Map<string, Map<string, Candidate[]>>;
}

export interface Builder {
  readonly name: BuilderName;
  build(jc: JudgedConversation, ctx: BuildContext): BuiltRecord[];
}
