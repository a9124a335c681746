// Optional LLM judge for the turns the rules call ambiguous: asks an OpenAI-compatible chat-completions endpoint
// (vLLM, llama.cpp server, a hosted API) to apply the WildFeedback rubric, parses its JSON answer strictly, and
// returns NamedSignals of kind 'judge'. Async, so it runs as a separate pass; cached, rate-limited, with retries.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { MinerError, errorMessage } from '../src/errors.js';
import type { TurnDetection } from './registry.js';
import { DSAT_CATEGORIES, SAT_CATEGORIES, isAmbiguous, type AssistantTurnContext, type NamedSignal, type Signal } from './types.js';

export const llmJudgeOptionsSchema = z
  .object({
    /** Base URL up to and including the version, e.g. http://127.0.0.1:8000/v1 */
    baseUrl: z.string().url(),
    model: z.string().min(1),
    apiKey: z.string().min(1).optional(),
    concurrency: z.number().int().min(1).max(256).default(4),
    timeoutMs: z.number().int().min(1).max(600_000).default(30_000),
    retries: z.number().int().min(0).max(10).default(2),
    /** First retry waits this long, doubling after each attempt. */
    backoffMs: z.number().int().min(0).max(60_000).default(500),
    /** Directory for cached verdicts (one JSON file per prompt); in-memory only when absent. */
    cacheDir: z.string().min(1).optional(),
    /** Ask the server for a JSON object (response_format); turn off for servers that reject the field. */
    jsonMode: z.boolean().default(true),
    /** Conversation text before the answer is cut to this many characters (the most recent part is kept). */
    maxContextChars: z.number().int().min(200).max(200_000).default(6000),
  })
  .strict();
export type LlmJudgeOptions = z.input<typeof llmJudgeOptionsSchema>;

export const JUDGE_VERSION = '1';

const CATEGORY_LINES = [
  'SAT categories: gratitude (thanks), learning (says they learned or understood), compliance (follows the advice, says it worked),',
  'praise (compliments the answer), personal_details (shares personal context, engages further), humor (jokes, playful uptake),',
  'acknowledgment (brief positive uptake: ok, got it), positive_closure (ends the chat on a positive note), getting_there (partial success, builds on it).',
  'DSAT categories: negative_feedback (explicit displeasure or criticism), revision (asks to redo, rewrite, change the answer),',
  'factual_error (points out wrong facts, code or maths), unrealistic_expectation (unhappy because it asked for something the system cannot do),',
  'no_engagement (ignores the answer, abruptly changes topic, leaves), ignored (says its instruction or question was ignored),',
  'lower_quality (says the answer got worse), insufficient_detail (wants more depth or specifics), style (objects to format, tone, length, language).',
];

export const JUDGE_SYSTEM_PROMPT = [
  "You judge how satisfied a chatbot user is with the assistant's reply, from the user's next message, using the WildFeedback rubric.",
  "Only the user's own words count: ignore text the user pasted, quoted or put in code blocks, and judgements aimed at third parties.",
  'Polite words do not cancel a complaint ("thanks, but that is wrong" is DSAT). A plain new question is neutral.',
  ...CATEGORY_LINES,
  'Answer with one JSON object and nothing else:',
  '{"label": "sat" | "dsat" | "neutral", "category": <one category of that label, or null when neutral>, "confidence": <0..1>, "evidence": "<short quote>"}',
].join('\n');

const judgeOutputSchema = z
  .object({
    label: z.enum(['sat', 'dsat', 'neutral']),
    category: z.enum([...SAT_CATEGORIES, ...DSAT_CATEGORIES]).nullable(),
    confidence: z.number().min(0).max(1),
    evidence: z.string().max(2000).default(''),
  })
  .strict()
  .superRefine((v, ctx) => {
    const ok =
      v.label === 'neutral'
        ? v.category === null
        : v.category === null || (v.label === 'sat' ? (SAT_CATEGORIES as readonly string[]) : (DSAT_CATEGORIES as readonly string[])).includes(v.category);
    if (!ok) ctx.addIssue({ code: 'custom', message: `category ${v.category} does not belong to label ${v.label}` });
  });
type JudgeOutput = z.output<typeof judgeOutputSchema>;

/** Parses the model's message content: one JSON object (a single ```json fence is tolerated), schema-checked. */
export function parseJudgeContent(content: string): JudgeOutput {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(content);
  let json: unknown;
  try {
    json = JSON.parse(fenced ? fenced[1] : content);
  } catch {
    throw new MinerError('ENDPOINT', `judge output is not JSON: ${content.slice(0, 200)}`, { retriable: true });
  }
  const parsed = judgeOutputSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MinerError('ENDPOINT', `judge output field ${issue.path.join('.') || '(root)'}: ${issue.message}`, { retriable: true });
  }
  return parsed.data;
}

/** The user message for one assistant turn: recent context, the reply, and the user's reaction. */
export function judgePrompt(ctx: AssistantTurnContext, maxContextChars: number): string {
  const history = ctx.before.map((t) => `[${t.role}] ${t.content}`).join('\n');
  const context = history.length > maxContextChars ? `…${history.slice(history.length - maxContextChars)}` : history;
  const followUp = ctx.followUps.map((t) => t.content).join('\n') || '(the user wrote nothing more; the conversation ended)';
  return `Conversation so far:\n${context || '(none)'}\n\nAssistant reply to judge:\n${ctx.assistantTurn.content}\n\nUser's next message:\n${followUp}`;
}

export interface LlmJudgeStats {
  requests: number;
  cacheHits: number;
  retries: number;
  failures: number;
  maxInFlight: number;
}

export interface LlmJudge {
  /** Judges the given assistant turns; the map is keyed by assistant message id. Turns the endpoint failed on are
   * missing from it (counted in stats); if every request failed the promise rejects. */
  judge(ctxs: AssistantTurnContext[]): Promise<Map<string, NamedSignal>>;
  readonly stats: LlmJudgeStats;
}

/** The turns that need the judge: some rule detector answered "ambiguous". */
export function selectAmbiguous(detections: TurnDetection[]): AssistantTurnContext[] {
  return detections.filter((d) => d.signals.some((s) => s.result !== null && isAmbiguous(s.result))).map((d) => d.ctx);
}

class HttpStatusError extends MinerError {
  constructor(
    readonly status: number,
    body: string,
  ) {
    // Rate limits and server errors may pass; a bad request, a wrong key or a wrong URL will not.
    super('ENDPOINT', `judge endpoint answered HTTP ${status}: ${body.slice(0, 200)}`, { retriable: status === 429 || status >= 500 });
  }
}

export function createLlmJudge(options: LlmJudgeOptions): LlmJudge {
  const parsedOptions = llmJudgeOptionsSchema.safeParse(options);
  if (!parsedOptions.success) {
    const issue = parsedOptions.error.issues[0];
    throw new MinerError('BAD_CONFIG', `llm judge option ${issue.path.join('.')}: ${issue.message}`);
  }
  const opts = parsedOptions.data;
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const memory = new Map<string, JudgeOutput>();
  const stats: LlmJudgeStats = { requests: 0, cacheHits: 0, retries: 0, failures: 0, maxInFlight: 0 };
  let inFlight = 0;
  if (opts.cacheDir) mkdirSync(opts.cacheDir, { recursive: true });

  const cachePath = (key: string) => join(opts.cacheDir!, `${key}.json`);
  function cached(key: string): JudgeOutput | undefined {
    const hit = memory.get(key);
    if (hit || !opts.cacheDir) return hit;
    try {
      const fromDisk = judgeOutputSchema.parse(JSON.parse(readFileSync(cachePath(key), 'utf8')));
      memory.set(key, fromDisk);
      return fromDisk;
    } catch {
      return undefined; // absent or unreadable: ask again
    }
  }
  function remember(key: string, output: JudgeOutput): void {
    memory.set(key, output);
    if (!opts.cacheDir) return;
    // Temporary name then rename, so a crash never leaves a half-written cache entry.
    const tmp = `${cachePath(key)}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(output));
    renameSync(tmp, cachePath(key));
  }

  async function callOnce(body: string): Promise<JudgeOutput> {
    stats.requests++;
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(opts.timeoutMs) });
      } catch (e) {
        const timedOut = (e as Error).name === 'TimeoutError';
        throw new MinerError('ENDPOINT', `judge endpoint ${url}: ${timedOut ? `no answer within ${opts.timeoutMs} ms` : errorMessage(e)}`, {
          retriable: true,
          cause: e,
        });
      }
      const text = await res.text();
      if (!res.ok) throw new HttpStatusError(res.status, text);
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        throw new MinerError('ENDPOINT', `judge endpoint returned a non-JSON body: ${text.slice(0, 200)}`, { retriable: true });
      }
      const content = (payload as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
      if (typeof content !== 'string') {
        throw new MinerError('ENDPOINT', 'judge endpoint response has no choices[0].message.content', { retriable: true });
      }
      return parseJudgeContent(content);
    } finally {
      inFlight--;
    }
  }

  async function judgeOne(ctx: AssistantTurnContext): Promise<JudgeOutput> {
    const messages = [
      { role: 'system', content: JUDGE_SYSTEM_PROMPT },
      { role: 'user', content: judgePrompt(ctx, opts.maxContextChars) },
    ];
    const key = createHash('sha256').update(JSON.stringify({ model: opts.model, v: JUDGE_VERSION, messages })).digest('hex');
    const hit = cached(key);
    if (hit) {
      stats.cacheHits++;
      return hit;
    }
    const body = JSON.stringify({
      model: opts.model,
      messages,
      temperature: 0,
      max_tokens: 200,
      ...(opts.jsonMode ? { response_format: { type: 'json_object' } } : {}),
    });
    for (let attempt = 0; ; attempt++) {
      try {
        const output = await callOnce(body);
        remember(key, output);
        return output;
      } catch (e) {
        const retriable = e instanceof MinerError && e.retriable;
        if (!retriable || attempt >= opts.retries) throw e;
        stats.retries++;
        await new Promise((r) => setTimeout(r, opts.backoffMs * 2 ** attempt));
      }
    }
  }

  function toSignal(output: JudgeOutput): NamedSignal {
    const result: Signal = {
      label: output.label,
      category: output.category,
      score: output.confidence,
      confidence: output.confidence,
      evidence: output.evidence,
    };
    return { detector: 'llm_judge', version: JUDGE_VERSION, kind: 'judge', result };
  }

  return {
    stats,
    async judge(ctxs) {
      const out = new Map<string, NamedSignal>();
      let next = 0;
      let lastError: unknown = null;
      let failed = 0;
      const worker = async () => {
        while (next < ctxs.length) {
          const ctx = ctxs[next++];
          try {
            out.set(ctx.assistantTurn.messageId, toSignal(await judgeOne(ctx)));
          } catch (e) {
            failed++;
            stats.failures++;
            lastError = e;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(opts.concurrency, ctxs.length) }, worker));
      if (ctxs.length > 0 && failed === ctxs.length) {
        const retriable = lastError instanceof MinerError && lastError.retriable;
        throw new MinerError('ENDPOINT', `llm judge: all ${failed} requests failed; last error: ${errorMessage(lastError)}`, {
          retriable,
          cause: lastError,
        });
      }
      return out;
    },
  };
}
