// The detector plugin contract: a detector sees one assistant turn in its conversation and
// says what the user's reaction tells about it.
import type { Conversation, StoredFeedback, StoredTurn } from '../src/model.js';

export type SignalLabel = 'sat' | 'dsat' | 'neutral';

export const SAT_CATEGORIES = [
  'gratitude',
  'learning',
  'compliance',
  'praise',
  'personal_details',
  'humor',
  'acknowledgment',
  'positive_closure',
  'getting_there',
] as const;
export const DSAT_CATEGORIES = [
  'negative_feedback',
  'revision',
  'factual_error',
  'unrealistic_expectation',
  'no_engagement',
  'ignored',
  'lower_quality',
  'insufficient_detail',
  'style',
] as const;
export type SatCategory = (typeof SAT_CATEGORIES)[number];
export type DsatCategory = (typeof DSAT_CATEGORIES)[number];
export type Category = SatCategory | DsatCategory;

/** What one detector concluded about one assistant turn. */
export interface Signal {
  label: SignalLabel;
  category: Category | null;
  /** Strength of the evidence in [0,1]; for dsat signals it is read as P(dsat). */
  score: number;
  /** How much the detector trusts its own answer, in [0,1]. */
  confidence: number;
  /** Short human-readable evidence, e.g. the matched phrase. */
  evidence: string;
}

/** Tri-state answer: a signal, nothing to say, or "unsure — ask a model". */
export type DetectorResult = Signal | null | { ambiguous: true; evidence: string };

export function isAmbiguous(r: DetectorResult): r is { ambiguous: true; evidence: string } {
  return r !== null && (r as { ambiguous?: boolean }).ambiguous === true;
}

/** Everything a detector may look at for one assistant turn. */
export interface AssistantTurnContext {
  conversation: Conversation;
  /** Position of the assistant turn in conversation.turns. */
  index: number;
  assistantTurn: StoredTurn;
  /** Turns before the assistant turn, oldest first. */
  before: StoredTurn[];
  /** The user turn(s) after it, up to the next assistant turn (empty when the conversation ends). */
  followUps: StoredTurn[];
  /** Feedback events on this assistant turn's message. */
  feedback: StoredFeedback[];
  /** True when nothing at all follows the assistant turn. */
  isLast: boolean;
}

export interface Detector {
  readonly name: string;
  readonly version: string;
  /** 'rule' detectors are cheap and run in every pass; 'model' detectors are heavy (batch). */
  readonly kind: 'explicit' | 'rule' | 'model' | 'judge';
  detect(ctx: AssistantTurnContext): DetectorResult;
}

/** Build the detector context for every assistant turn of a conversation. */
export function* assistantTurnContexts(conversation: Conversation): Generator<AssistantTurnContext> {
  const turns = conversation.turns;
  for (let i = 0; i < turns.length; i++) {
    const t = turns[i];
    if (t.role !== 'assistant') continue;
    const followUps: StoredTurn[] = [];
    let j = i + 1;
    // Skip tool turns between the answer and the user's reaction.
    while (j < turns.length && turns[j].role === 'tool') j++;
    for (; j < turns.length && turns[j].role === 'user'; j++) followUps.push(turns[j]);
    yield {
      conversation,
      index: i,
      assistantTurn: t,
      before: turns.slice(0, i),
      followUps,
      feedback: conversation.feedback.get(t.messageId) ?? [],
      isLast: i === turns.length - 1,
    };
  }
}

/** One detector's answer about one assistant turn, tagged with who gave it. */
export interface NamedSignal {
  detector: string;
  version: string;
  kind: Detector['kind'];
  result: DetectorResult;
}

/** The fused judgement about one assistant turn. */
export interface Verdict {
  label: SignalLabel;
  /** P(dsat)-like score in [0,1], used for ranking and AUROC. */
  dsatScore: number;
  categories: Category[];
  confidence: number;
  /** Names of the detectors whose signal agreed with the label. */
  agreed: string[];
}
