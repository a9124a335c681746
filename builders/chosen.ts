// Fills DRIFT chosen answers from an OpenAI-compatible /v1/chat/completions endpoint, the way DRIFT's
// gen-drift.py does (methods §1): the model sees the request, its rejected answer and the user's complaint, and
// is asked for a better answer to the original request. Long histories are cut from the left.
import type { BuiltRecord, ChatMessage } from './types.js';

export interface ChosenClientOptions {
  /** Base URL (http://host:port or http://host:port/v1) or the full .../chat/completions URL. */
  endpoint: string;
  model: string;
  apiKey?: string;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /** Character budget for the conversation sent to the model; oldest history goes first. */
  maxPromptChars?: number;
  concurrency?: number;
  /** Retries for retriable failures (network, 429, 5xx). */
  retries?: number;
  timeoutMs?: number;
}

export interface ChosenFillReport {
  requested: number;
  filled: number;
  failed: number;
  /** First few failure messages, for the operator. */
  errors: string[];
}

export class ChosenClientError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = 'ChosenClientError';
  }
}

export const REVISE_INSTRUCTION =
  'Write an improved response to my earlier request that addresses this feedback. ' +
  'Reply with the response only, written as a direct answer to the earlier request.';

/**
 * The messages sent for one DRIFT row: history, the rejected answer, then the complaint plus the instruction.
 * Without a complaint (DSAT known from an event only) the model just answers the prompt ("unguided" in DRIFT).
 */
export function driftChosenMessages(row: BuiltRecord, maxChars = 24_000): ChatMessage[] {
  const system = row.prompt.filter((m, i) => m.role === 'system' && i === 0);
  let history = row.prompt.slice(system.length);
  const tail: ChatMessage[] = row.userPreference
    ? [...(row.rejected ?? []), { role: 'user', content: `${row.userPreference.content}\n\n${REVISE_INSTRUCTION}` }]
    : [];
  const size = (ms: ChatMessage[]) => ms.reduce((n, m) => n + m.content.length, 0);
  const fixed = size(system) + size(tail);
  // Drop whole messages from the left, but always keep the final request.
  while (history.length > 1 && fixed + size(history) > maxChars) history = history.slice(1);
  const over = fixed + size(history) - maxChars;
  if (over > 0 && history.length) {
    const first = history[0];
    history = [{ role: first.role, content: first.content.slice(Math.min(over, first.content.length - 1)) }, ...history.slice(1)];
  }
  return [...system, ...history, ...tail];
}

function completionsUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  if (base.endsWith('/chat/completions')) return base;
  return base.endsWith('/v1') ? `${base}/chat/completions` : `${base}/v1/chat/completions`;
}

export async function requestChosen(messages: ChatMessage[], opts: ChosenClientOptions): Promise<string> {
  let res: Response;
  try {
    res = await fetch(completionsUrl(opts.endpoint), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: opts.model,
        messages,
        temperature: opts.temperature ?? 0.7,
        top_p: opts.topP ?? 0.9,
        max_tokens: opts.maxTokens ?? 512,
        n: 1,
      }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000),
    });
  } catch (e) {
    throw new ChosenClientError(`chosen endpoint unreachable: ${(e as Error).message}`, true);
  }
  const text = await res.text();
  if (!res.ok) {
    const retriable = res.status === 429 || res.status >= 500;
    throw new ChosenClientError(`chosen endpoint HTTP ${res.status}: ${text.slice(0, 200)}`, retriable);
  }
  let body: { choices?: { message?: { content?: unknown } }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new ChosenClientError(`chosen endpoint returned non-JSON: ${text.slice(0, 200)}`, false);
  }
  const content = body.choices?.[0]?.message?.content;
  if (typeof content !== 'string' || !content.trim()) {
    throw new ChosenClientError('chosen endpoint returned no choices[0].message.content', false);
  }
  return content.trim();
}

/** Fill `chosen` on DRIFT rows; rows whose request fails keep chosen = null and are counted in the report. */
export async function fillDriftChosen(
  rows: BuiltRecord[],
  opts: ChosenClientOptions,
): Promise<{ rows: BuiltRecord[]; report: ChosenFillReport }> {
  const report: ChosenFillReport = { requested: rows.length, filled: 0, failed: 0, errors: [] };
  const out = [...rows];
  let next = 0;
  const worker = async () => {
    while (next < out.length) {
      const i = next++;
      const messages = driftChosenMessages(out[i], opts.maxPromptChars);
      for (let attempt = 0; ; attempt++) {
        try {
          const content = await requestChosen(messages, opts);
          out[i] = { ...out[i], chosen: [{ role: 'assistant', content }] };
          report.filled++;
          break;
        } catch (e) {
          const err = e as ChosenClientError;
          if (err.retriable && attempt < (opts.retries ?? 2)) {
            await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
            continue;
          }
          report.failed++;
          if (report.errors.length < 5) report.errors.push(`${out[i].id}: ${err.message}`);
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  return { rows: out, report };
}
