// File inputs for P[Love] and FLR: labelled conversations (OpenAI messages JSONL with sat/dsat/neutral labels)
// and native turn/feedback record JSONL (what the generator writes), plus the functions behind
// `feedback-miner plove train|eval` for files.
import { existsSync } from 'node:fs';
import { readConversations, type FileConversation } from '../../connectors/conversations.js';
import type { Conversation } from '../model.js';
import { evaluateLoveScorer, type LoveEvalReport } from './eval.js';
import { loveExamplesFromConversations, type LoveLabelOptions, type PropensityModel, type PropensityOptions } from './labels.js';
import { loadLoveScorer } from './scorer.js';
import { saveLoveModel, trainLoveModel, type LoveExample, type TrainOptions, type TrainStats } from './train.js';

/** Every conversation of a file, through the project's file connector (any layout; bad records are skipped). */
export async function readFileConversations(path: string): Promise<{ conversations: FileConversation[]; rejected: number }> {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  let rejected = 0;
  const conversations: FileConversation[] = [];
  for await (const fc of readConversations(path, { onReject: () => void rejected++ })) conversations.push(fc);
  return { conversations, rejected };
}

/** Conversations of a native turn/feedback file (or any layout), feedback attached. */
export async function readNativeConversations(path: string): Promise<Conversation[]> {
  return (await readFileConversations(path)).conversations.map((fc) => fc.conversation);
}

/** 'labelled' when the file carries gold labels (sat = positive); otherwise reactions give the labels. */
export type LoveInputFormat = 'labelled' | 'native';

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
): Promise<{ format: LoveInputFormat; examples: LoveExample[]; propensity?: PropensityModel; rejected: number }> {
  const { conversations, rejected } = await readFileConversations(path);
  const format: LoveInputFormat = conversations.some((fc) => fc.gold.size > 0) ? 'labelled' : 'native';
  if (format === 'native') {
    // Propensities are fitted on all rows (reactions are observed everywhere), then split.
    const { rows, propensity } = loveExamplesFromConversations(conversations.map((fc) => fc.conversation), opts);
    return { format, examples: rows.filter((r) => inSplit(r.conversationId, opts.split)), propensity, rejected };
  }
  const examples: LoveExample[] = [];
  for (const fc of conversations) {
    const id = fc.conversation.conversationId;
    if (!inSplit(id, opts.split)) continue;
    const turns = fc.conversation.turns;
    turns.forEach((t, i) => {
      const label = fc.gold.get(t.messageId);
      if (t.role !== 'assistant' || label === undefined) return;
      examples.push({
        context: turns.slice(0, i).map(({ role, content }) => ({ role, content })),
        response: t.content,
        label: label === 'sat' ? 1 : 0,
        group: id,
      });
    });
  }
  return { format, examples, rejected };
}

export interface PloveTrainResult {
  out: string;
  format: LoveInputFormat;
  stats: TrainStats;
  platt: { a: number; b: number };
  propensity?: PropensityModel;
  /** Input records rejected by the file connector and skipped. */
  rejected: number;
}

/** `feedback-miner plove train <file> --out model.onnx` for a labelled or native JSONL file. */
export async function ploveTrainFile(input: string, out: string, opts: LoveFileOptions & TrainOptions = {}): Promise<PloveTrainResult> {
  const { format, examples, propensity, rejected } = await loveExamplesFromFile(input, opts);
  if (examples.length === 0) throw new Error(`${input}: no labelled assistant turns to train on`);
  const model = await trainLoveModel(examples, opts);
  await saveLoveModel(model, out);
  return { out, format, stats: model.stats, platt: model.platt, propensity, rejected };
}

/** `feedback-miner plove eval <file> --model model.onnx --json`. */
export async function ploveEvalFile(
  input: string,
  modelPath: string,
  opts: LoveFileOptions & { bins?: number } = {},
): Promise<LoveEvalReport & { format: LoveInputFormat; model: string; rejected: number }> {
  const { format, examples, rejected } = await loveExamplesFromFile(input, opts);
  if (examples.length === 0) throw new Error(`${input}: no labelled assistant turns to evaluate`);
  const scorer = await loadLoveScorer(modelPath);
  try {
    return { ...(await evaluateLoveScorer(scorer, examples, opts.bins)), format, model: modelPath, rejected };
  } finally {
    await scorer.release();
  }
}
