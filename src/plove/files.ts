// File inputs for P[Love] and FLR: labelled conversations (OpenAI messages JSONL with sat/dsat/neutral labels)
// and native turn/feedback record JSONL (what the generator writes), plus the functions behind
// `feedback-miner plove train|eval` for files.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { feedbackEventSchema, turnSchema, type Conversation, type StoredFeedback, type StoredTurn } from '../model.js';
import { evaluateLoveScorer, type LoveEvalReport } from './eval.js';
import { loveExamplesFromConversations, type LoveLabelOptions, type PropensityModel, type PropensityOptions } from './labels.js';
import { loadLoveScorer } from './scorer.js';
import { saveLoveModel, trainLoveModel, type LoveExample, type TrainOptions, type TrainStats } from './train.js';

const labelledSchema = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'user', 'assistant', 'tool']),
        content: z.string(),
        label: z.enum(['sat', 'dsat', 'neutral']).optional(),
      }),
    )
    .min(1),
});
export type LabelledConversation = z.output<typeof labelledSchema> & { id: string; line: number };

async function* jsonLines(path: string): AsyncGenerator<{ line: number; value: unknown }> {
  const raw = createReadStream(path);
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, value: JSON.parse(text) };
    } catch (err) {
      throw new Error(`${path}:${line}: field (line): invalid JSON: ${(err as Error).message}`);
    }
  }
}

function fieldError(path: string, line: number, issues: z.core.$ZodIssue[]): Error {
  const issue = issues[0];
  return new Error(`${path}:${line}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

export async function* readLabelledJsonl(path: string): AsyncGenerator<LabelledConversation> {
  for await (const { line, value } of jsonLines(path)) {
    const parsed = labelledSchema.safeParse(value);
    if (!parsed.success) throw fieldError(path, line, parsed.error.issues);
    yield { ...parsed.data, id: String(parsed.data.id ?? `line-${line}`), line };
  }
}

/** Native records: `{"type":"turn", ...}` and `{"type":"feedback", ...}` lines, grouped into conversations. */
export async function readNativeConversations(path: string): Promise<Conversation[]> {
  const turns = turnSchema();
  const byId = new Map<string, Conversation>();
  const feedback: StoredFeedback[] = [];
  for await (const { line, value } of jsonLines(path)) {
    const type = (value as { type?: unknown })?.type;
    if (type === 'turn') {
      const p = turns.safeParse(value);
      if (!p.success) throw fieldError(path, line, p.error.issues);
      const t = p.data;
      const conv: Conversation = byId.get(t.conversation_id) ?? { conversationId: t.conversation_id, turns: [], feedback: new Map() };
      byId.set(t.conversation_id, conv);
      const stored: StoredTurn = {
        conversationId: t.conversation_id,
        turnIndex: t.turn_index,
        messageId: t.message_id,
        role: t.role,
        content: t.content,
        ts: t.ts,
        policyVersion: t.policy_version,
        userHash: t.user_key,
        metadata: t.metadata,
      };
      conv.turns.push(stored);
    } else if (type === 'feedback') {
      const p = feedbackEventSchema.safeParse(value);
      if (!p.success) throw fieldError(path, line, p.error.issues);
      const e = p.data;
      feedback.push({ eventId: e.event_id, messageId: e.message_id, kind: e.kind, value: e.value, ts: e.ts, userHash: e.user_key });
    } else throw new Error(`${path}:${line}: field type: expected "turn" or "feedback"`);
  }
  const owner = new Map<string, Conversation>();
  for (const conv of byId.values()) {
    conv.turns.sort((a, b) => a.turnIndex - b.turnIndex);
    for (const t of conv.turns) owner.set(t.messageId, conv);
  }
  for (const e of feedback) {
    const conv = owner.get(e.messageId);
    if (!conv) continue; // feedback on a message we never saw: nothing to label
    const list = conv.feedback.get(e.messageId) ?? [];
    list.push(e);
    conv.feedback.set(e.messageId, list);
  }
  return [...byId.values()];
}

export type LoveInputFormat = 'labelled' | 'native';

export async function detectInputFormat(path: string): Promise<LoveInputFormat> {
  for await (const { line, value } of jsonLines(path)) {
    if (value && typeof value === 'object' && 'messages' in value) return 'labelled';
    if (value && typeof value === 'object' && 'type' in value) return 'native';
    throw new Error(`${path}:${line}: field (root): neither a labelled conversation (messages) nor a native record (type)`);
  }
  throw new Error(`${path}: empty file`);
}

export interface SplitOptions {
  /** Share of conversations held out (by a hash of the conversation id). */
  fraction: number;
  part: 'train' | 'test';
  seed?: number;
}

function inSplit(id: string, split: SplitOptions | undefined): boolean {
  if (!split) return true;
  let h = (0x9e3779b9 ^ (split.seed ?? 0)) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  const held = (h % 10_000) / 10_000 < split.fraction;
  return split.part === 'test' ? held : !held;
}

export interface LoveFileOptions extends LoveLabelOptions, PropensityOptions {
  split?: SplitOptions;
}

/**
 * Examples from a file. Labelled: every labelled assistant message, positive iff `sat`, fully observed.
 * Native: every shown assistant turn, positive iff a Love within the window, with a reaction propensity.
 */
export async function loveExamplesFromFile(
  path: string,
  opts: LoveFileOptions = {},
): Promise<{ format: LoveInputFormat; examples: LoveExample[]; propensity?: PropensityModel }> {
  const format = await detectInputFormat(path);
  if (format === 'native') {
    // Propensities are fitted on all rows (reactions are observed everywhere), then split.
    const { rows, propensity } = loveExamplesFromConversations(await readNativeConversations(path), opts);
    return { format, examples: rows.filter((r) => inSplit(r.conversationId, opts.split)), propensity };
  }
  const examples: LoveExample[] = [];
  for await (const conv of readLabelledJsonl(path)) {
    if (!inSplit(conv.id, opts.split)) continue;
    conv.messages.forEach((m, i) => {
      if (m.role !== 'assistant' || m.label === undefined) return;
      examples.push({
        context: conv.messages.slice(0, i).map(({ role, content }) => ({ role, content })),
        response: m.content,
        label: m.label === 'sat' ? 1 : 0,
        group: conv.id,
      });
    });
  }
  return { format, examples };
}

export interface PloveTrainResult {
  out: string;
  format: LoveInputFormat;
  stats: TrainStats;
  platt: { a: number; b: number };
  propensity?: PropensityModel;
}

/** `feedback-miner plove train <file> --out model.onnx` for a labelled or native JSONL file. */
export async function ploveTrainFile(input: string, out: string, opts: LoveFileOptions & TrainOptions = {}): Promise<PloveTrainResult> {
  const { format, examples, propensity } = await loveExamplesFromFile(input, opts);
  if (examples.length === 0) throw new Error(`${input}: no labelled assistant turns to train on`);
  const model = await trainLoveModel(examples, opts);
  await saveLoveModel(model, out);
  return { out, format, stats: model.stats, platt: model.platt, propensity };
}

/** `feedback-miner plove eval <file> --model model.onnx --json`. */
export async function ploveEvalFile(
  input: string,
  modelPath: string,
  opts: LoveFileOptions & { bins?: number } = {},
): Promise<LoveEvalReport & { format: LoveInputFormat; model: string }> {
  const { format, examples } = await loveExamplesFromFile(input, opts);
  if (examples.length === 0) throw new Error(`${input}: no labelled assistant turns to evaluate`);
  const scorer = await loadLoveScorer(modelPath);
  try {
    return { ...(await evaluateLoveScorer(scorer, examples, opts.bins)), format, model: modelPath };
  } finally {
    await scorer.release();
  }
}
