// Canonical event model: every connector normalises its input into these two records,
// validated once at the edge; everything downstream trusts the types.
import { z } from 'zod';

export const ROLES = ['system', 'user', 'assistant', 'tool'] as const;
export type Role = (typeof ROLES)[number];

/** Feedback kinds the detectors understand; any other kind is stored and passed through. */
export const KNOWN_FEEDBACK_KINDS = ['love', 'thumbs_up', 'thumbs_down', 'regenerate', 'copy', 'edit', 'stop'] as const;
export type KnownFeedbackKind = (typeof KNOWN_FEEDBACK_KINDS)[number];

export const DEFAULT_MAX_CONTENT_BYTES = 1_000_000;
const NOT_BLANK = /\S/;

const isoTimestamp = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? (v < 1e11 ? v * 1000 : v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'not a valid timestamp' });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

const metadata = z.record(z.string(), z.unknown());

export function turnSchema(maxContentBytes = DEFAULT_MAX_CONTENT_BYTES) {
  return z.object({
    conversation_id: z.string().min(1).max(256),
    turn_index: z.number().int().min(0),
    message_id: z.string().min(1).max(256),
    role: z.enum(ROLES),
    content: z
      .string()
      // Cheap checks first: no trimmed copy of the text, and the byte count only when the text could be too long.
      .refine((s) => NOT_BLANK.test(s), 'empty content')
      .refine((s) => s.length * 3 <= maxContentBytes || Buffer.byteLength(s, 'utf8') <= maxContentBytes, `content larger than ${maxContentBytes} bytes`),
    ts: isoTimestamp.nullish().transform((v) => v ?? null),
    policy_version: z.string().max(256).nullish().transform((v) => v ?? null),
    user_key: z.union([z.string(), z.number()]).nullish().transform((v) => (v == null ? null : String(v))),
    metadata: metadata.nullish().transform((v) => v ?? {}),
  });
}

export const feedbackEventSchema = z.object({
  event_id: z.string().min(1).max(256),
  message_id: z.string().min(1).max(256),
  kind: z.string().min(1).max(64).transform((k) => k.toLowerCase()),
  value: z.number().nullish().transform((v) => v ?? null),
  ts: isoTimestamp.nullish().transform((v) => v ?? null),
  user_key: z.union([z.string(), z.number()]).nullish().transform((v) => (v == null ? null : String(v))),
  metadata: metadata.nullish().transform((v) => v ?? {}),
});

/** A validated turn. `user_key` is the raw key; the store keeps only its salted hash. */
export type Turn = z.output<ReturnType<typeof turnSchema>>;
export type FeedbackEvent = z.output<typeof feedbackEventSchema>;

/** Where a record came from, carried with it so a reject or an audit can point back at the line. */
export interface Origin {
  file: string;
  line: number;
}

export type IngestRecord =
  | { type: 'turn'; turn: Turn; origin: Origin }
  | { type: 'feedback'; event: FeedbackEvent; origin: Origin };

/** One rejected record: enough to find it and understand why. */
export interface Reject {
  file: string;
  line: number;
  field: string;
  reason: string;
}

/** A turn as detectors and builders see it, read back from the store. */
export interface StoredTurn {
  conversationId: string;
  turnIndex: number;
  messageId: string;
  role: Role;
  content: string;
  ts: string | null;
  policyVersion: string | null;
  userHash: string | null;
  metadata: Record<string, unknown>;
}

export interface StoredFeedback {
  eventId: string;
  messageId: string;
  kind: string;
  value: number | null;
  ts: string | null;
  userHash: string | null;
}

/** A whole conversation in turn order, with the feedback events attached to their messages. */
export interface Conversation {
  conversationId: string;
  turns: StoredTurn[];
  feedback: Map<string, StoredFeedback[]>;
}
