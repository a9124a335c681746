// `feedback-miner flr score --model DIR <file>`: FLR for every assistant turn of a labelled / OpenAI-messages
// JSONL file, plus candidate lines for the ranked builder (score_kind "flr").
import { readConversations } from '../../connectors/conversations.js';
import { CausalLm, type LoadLmOptions } from './lm.js';
import type { Reject } from '../model.js';
import { scoreResponse, type FlrOptions, type FlrResult } from './score.js';

export interface FlrTurnScore extends FlrResult {
  conversationId: string;
  /** 1-based line of the conversation in the input file. */
  line: number;
  /** Index of the assistant message in `messages`. */
  messageIndex: number;
  /** Gold label of the message when the file has one. */
  label: string | null;
}

/** Score each assistant turn of the file, in file order; the model is loaded once and released at the end. */
export async function* scoreFile(
  modelDir: string,
  file: string,
  opts: FlrOptions & LoadLmOptions & { onReject?: (r: Reject) => void } = {},
): AsyncGenerator<FlrTurnScore> {
  const lm = await CausalLm.load(modelDir, opts);
  try {
    for await (const fc of readConversations(file, { onReject: opts.onReject })) {
      const messages = fc.conversation.turns.map((t) => ({ role: t.role, content: t.content }));
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        if (m.role !== 'assistant') continue;
        let result: FlrResult;
        try {
          result = await scoreResponse(lm, messages.slice(0, i), m.content, opts);
        } catch (err) {
          throw new Error(`${file}:${fc.line}: field messages.${i}: ${(err as Error).message}`);
        }
        const label = fc.gold.get(fc.conversation.turns[i].messageId) ?? null;
        yield { conversationId: fc.conversation.conversationId, line: fc.line, messageIndex: i, label, ...result };
      }
    }
  } finally {
    await lm.release();
  }
}

/** A candidate line for builders/ranked.ts (`loadCandidates`): FLR reward as the score. */
export function flrCandidateLine(c: {
  conversationId: string;
  promptMessageId: string;
  response: string;
  reward: number;
  policyVersion?: string | null;
}): string {
  return JSON.stringify({
    conversation_id: c.conversationId,
    prompt_message_id: c.promptMessageId,
    response: c.response,
    score: c.reward,
    score_kind: 'flr',
    policy_version: c.policyVersion ?? null,
  });
}
