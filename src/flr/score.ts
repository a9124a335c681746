// FLR scoring: the mean per-token log-probability of user follow-ups appended after an assistant response,
// and the reward mean(positive) - mean(negative) per dimension. The context + response is run once (KV cache)
// and the follow-ups are scored in batches on top of it.
import { CausalLm, logSoftmaxAt, type ChatMessage, type PastKeyValues } from './lm.js';
import { DEFAULT_FOLLOW_UPS, type FollowUpSets } from './followups.js';

export interface FlrOptions {
  followUps?: FollowUpSets;
  /** Longest scored sequence in tokens; the context is cut from the left to fit. Default: min(model max, 2048). */
  maxLength?: number;
  /** Follow-ups per batched cache step. Default 4: the cache is copied once per batch row, and larger batches
   * turned memory-bound in bench/flr.ts. */
  batchSize?: number;
  /** Prefix tokens per decoder call, bounding the logits buffer for large vocabularies. Default 256. */
  prefixChunk?: number;
}

export interface FollowUpScore {
  dimension: string;
  polarity: 'positive' | 'negative';
  text: string;
  /** Mean log p of the follow-up's content tokens. */
  meanLogprob: number;
  tokens: number;
}

export interface FlrResult {
  /** Mean of the per-dimension rewards. */
  reward: number;
  rewards: Record<string, number>;
  followUps: FollowUpScore[];
  /** Tokens dropped from the left of the context to fit maxLength. */
  truncatedTokens: number;
}

/** A follow-up's token sequence and the [start, end) positions of its content tokens. */
export interface PreparedSequence {
  ids: number[];
  start: number;
  end: number;
}

function lcp(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function commonStringPrefix(texts: string[]): number {
  let n = Math.min(...texts.map((t) => t.length));
  for (const t of texts) {
    let i = 0;
    while (i < n && t.charCodeAt(i) === texts[0].charCodeAt(i)) i++;
    n = i;
  }
  return n;
}

/**
 * Conversation messages for FLR: tool turns dropped, consecutive same-role turns joined (many templates
 * insist on alternation), and leading assistant turns dropped so the first non-system turn is a user turn.
 */
export function flrMessages(turns: { role: string; content: string }[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const t of turns) {
    if (t.role !== 'system' && t.role !== 'user' && t.role !== 'assistant') continue;
    const last = out[out.length - 1];
    if (last && last.role === t.role) last.content += `\n${t.content}`;
    else out.push({ role: t.role, content: t.content });
  }
  const firstUser = out.findIndex((m) => m.role === 'user');
  // An answer with no user turn before it (a greeting) is kept as is: there is nothing to align to.
  if (firstUser < 0) return out;
  return out.filter((m, i) => m.role === 'system' || i >= firstUser);
}

/**
 * Tokenize `messages + [user: followUp]` for every follow-up, locate each follow-up's content tokens and cut
 * the context from the left so the longest one fits `maxLength` (the same cut for all, so every follow-up
 * sees the same context).
 */
export function prepareSequences(
  lm: CausalLm,
  messages: ChatMessage[],
  followUps: string[],
  maxLength: number,
): { sequences: PreparedSequence[]; truncatedTokens: number } {
  const texts = followUps.map((f) => lm.renderChat([...messages, { role: 'user', content: f }]));
  const at = texts.map((t, i) => {
    const pos = t.lastIndexOf(followUps[i]);
    if (pos < 0) throw new Error(`chat template does not reproduce follow-up "${followUps[i]}" verbatim`);
    return pos;
  });
  // Tokenize the shared head once, cut right after a special token (the tokenizer splits on those first).
  const shared = commonStringPrefix(texts);
  let head = 0;
  for (const tok of lm.specialTokenStrings) {
    const p = texts[0].lastIndexOf(tok, shared - tok.length);
    if (p >= 0 && p + tok.length <= Math.min(shared, ...at)) head = Math.max(head, p + tok.length);
  }
  let headIds = head > 0 ? lm.encode(texts[0].slice(0, head)) : [];
  const encodeFrom = (text: string, endChar: number): number[] =>
    head > 0 ? headIds.concat(lm.encode(text.slice(head, endChar))) : lm.encode(text.slice(0, endChar));
  if (head > 0) {
    const whole = lm.encode(texts[0]);
    const split = encodeFrom(texts[0], texts[0].length);
    if (whole.length !== split.length || lcp(whole, split) !== whole.length) {
      head = 0; // this tokenizer is not split-safe at special tokens; encode whole texts
      headIds = [];
    }
  }
  const sequences = texts.map((text, i) => {
    const ids = encodeFrom(text, text.length);
    const start = lcp(encodeFrom(text, at[i]), ids);
    const end = lcp(encodeFrom(text, at[i] + followUps[i].length), ids);
    if (end <= start) throw new Error(`follow-up "${followUps[i]}" has no tokens of its own`);
    return { ids, start, end };
  });
  const longest = Math.max(...sequences.map((s) => s.end));
  const cut = Math.max(0, longest - maxLength);
  sequences.forEach((s, i) => {
    if (s.start - cut < 1) throw new Error(`follow-up "${followUps[i]}" does not fit in maxLength ${maxLength}`);
  });
  return {
    sequences: sequences.map((s) => ({ ids: s.ids.slice(cut), start: s.start - cut, end: s.end - cut })),
    truncatedTokens: cut,
  };
}

function copyRow(logits: Float32Array, row: number, vocab: number): Float32Array {
  return logits.slice(row * vocab, (row + 1) * vocab);
}

/** Mean follow-up log-probs reusing one KV cache of the shared prefix; follow-ups scored in batches. */
export async function scoreWithPrefixReuse(
  lm: CausalLm,
  sequences: PreparedSequence[],
  opts: { batchSize?: number; prefixChunk?: number } = {},
): Promise<number[]> {
  const batchSize = opts.batchSize ?? 4;
  const chunk = opts.prefixChunk ?? 256;
  const vocab = lm.vocabSize;
  let shared = Math.min(...sequences.map((s) => s.start));
  for (const s of sequences) shared = Math.min(shared, lcp(sequences[0].ids, s.ids));
  // The prefix ends before any follow-up content, so the only prefix logits needed are of its last position.
  let past: PastKeyValues = lm.emptyPast(1);
  let lastRow: Float32Array = new Float32Array(0);
  for (let from = 0; from < shared; from += chunk) {
    const ids = sequences[0].ids.slice(from, Math.min(shared, from + chunk));
    const out = await lm.forward([ids], past);
    past = out.present;
    lastRow = copyRow(out.logits, ids.length - 1, vocab);
  }
  // Batch follow-ups of similar length together so little of each batch is padding.
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[a].end - sequences[b].end);
  const scores = new Array<number>(sequences.length);
  for (let b0 = 0; b0 < order.length; b0 += batchSize) {
    const members = order.slice(b0, b0 + batchSize);
    // Inputs run up to the token before the last content token: later tokens predict nothing we score.
    const suffixes = members.map((i) => sequences[i].ids.slice(shared, sequences[i].end - 1));
    const width = Math.max(...suffixes.map((x) => x.length));
    let logits: Float32Array = new Float32Array(0);
    if (width > 0) {
      const padded = suffixes.map((x) => x.concat(new Array(width - x.length).fill(lm.padTokenId)));
      const out = await lm.forward(padded, lm.expandPast(past, members.length), suffixes.map((x) => x.length), {
        present: false,
      });
      logits = out.logits;
    }
    members.forEach((i, b) => {
      const s = sequences[i];
      let sum = 0;
      for (let t = s.start; t < s.end; t++) {
        const pos = t - 1; // logits at pos predict token t
        sum +=
          pos === shared - 1
            ? logSoftmaxAt(lastRow, 0, vocab, s.ids[t])
            : logSoftmaxAt(logits, (b * width + (pos - shared)) * vocab, vocab, s.ids[t]);
      }
      scores[i] = sum / (s.end - s.start);
    });
  }
  return scores;
}

/** Baseline: every follow-up scored by its own full-sequence pass, no cache. */
export async function scoreNaive(lm: CausalLm, sequences: PreparedSequence[]): Promise<number[]> {
  const vocab = lm.vocabSize;
  const scores: number[] = [];
  for (const s of sequences) {
    const out = await lm.forward([s.ids.slice(0, s.end - 1)], lm.emptyPast(1), undefined, { present: false });
    let sum = 0;
    for (let t = s.start; t < s.end; t++) sum += logSoftmaxAt(out.logits, (t - 1) * vocab, vocab, s.ids[t]);
    scores.push(sum / (s.end - s.start));
  }
  return scores;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** FLR reward of `response` after `context` (the turns before it). */
export async function scoreResponse(
  lm: CausalLm,
  context: { role: string; content: string }[],
  response: string,
  opts: FlrOptions = {},
): Promise<FlrResult> {
  const sets = opts.followUps ?? DEFAULT_FOLLOW_UPS;
  const entries: Omit<FollowUpScore, 'meanLogprob' | 'tokens'>[] = [];
  for (const [dimension, set] of Object.entries(sets)) {
    for (const text of set.positive) entries.push({ dimension, polarity: 'positive', text });
    for (const text of set.negative) entries.push({ dimension, polarity: 'negative', text });
  }
  const messages = flrMessages([...context, { role: 'assistant', content: response }]);
  const maxLength = opts.maxLength ?? Math.min(lm.maxPositions, 2048);
  const { sequences, truncatedTokens } = prepareSequences(lm, messages, entries.map((e) => e.text), maxLength);
  const scores = await scoreWithPrefixReuse(lm, sequences, opts);
  const followUps = entries.map((e, i) => ({
    ...e,
    meanLogprob: scores[i],
    tokens: sequences[i].end - sequences[i].start,
  }));
  const rewards: Record<string, number> = {};
  for (const dimension of Object.keys(sets)) {
    const of = (p: string) => followUps.filter((f) => f.dimension === dimension && f.polarity === p).map((f) => f.meanLogprob);
    rewards[dimension] = mean(of('positive')) - mean(of('negative'));
  }
  return { reward: mean(Object.values(rewards)), rewards, followUps, truncatedTokens };
}
