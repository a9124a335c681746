// Deterministic synthetic judged conversations for tests and the trainer contract test: revisions
// (DSAT then SAT), regenerations, plain SAT/DSAT turns, several users, optional planted text.
import type { StoredTurn } from '../src/model.js';
import type { Verdict } from '../detectors/types.js';
import type { JudgedConversation } from './types.js';
import { mulberry32 as rng } from '../src/hashing.js';

const WORDS = (
  'river stone cloud garden python matrix kernel budget recipe travel poem engine signal orbit market ' +
  'lemon violin castle number vector summary letter bridge winter coffee planet history graph network ' +
  'sorting battery canvas harbor ticket forest window rocket spiral theory lesson method answer friend'
).split(' ');


export interface SyntheticOptions {
  conversations: number;
  seed?: number;
  users?: number;
  /** Text inserted into user and assistant turns of every k-th conversation (e.g. planted PII). */
  plant?: (i: number) => string | null;
}

export function syntheticJudged(opts: SyntheticOptions): JudgedConversation[] {
  const rand = rng(opts.seed ?? 1);
  const pick = () => WORDS[Math.floor(rand() * WORDS.length)];
  const sentence = (n: number) => Array.from({ length: n }, pick).join(' ');
  const out: JudgedConversation[] = [];
  for (let c = 0; c < opts.conversations; c++) {
    const conversationId = `conv-${opts.seed ?? 1}-${c}`;
    const userHash = `user-${c % (opts.users ?? 7)}`;
    const planted = opts.plant?.(c) ?? null;
    const turns: StoredTurn[] = [];
    const verdicts = new Map<string, Verdict>();
    const add = (role: StoredTurn['role'], content: string, metadata: Record<string, unknown> = {}) => {
      const t: StoredTurn = {
        conversationId,
        turnIndex: turns.length,
        messageId: `${conversationId}-m${turns.length}`,
        role,
        content,
        ts: null,
        policyVersion: role === 'assistant' ? `policy-${1 + (c % 2)}` : null,
        userHash: role === 'user' ? userHash : null,
        metadata,
      };
      turns.push(t);
      return t;
    };
    const judge = (t: StoredTurn, label: Verdict['label'], category: Verdict['categories'][number] | null, confidence: number) =>
      verdicts.set(t.messageId, {
        label,
        dsatScore: label === 'dsat' ? 0.9 : label === 'sat' ? 0.1 : 0.5,
        categories: category ? [category] : [],
        confidence,
        agreed: ['synthetic'],
      });
    if (c % 3 === 0) add('system', `You are a helpful assistant about ${pick()}.`);
    const request = `Please explain ${sentence(6)}${planted ? ` ${planted}` : ''}?`;
    add('user', request);
    const kind = c % 4;
    const conf = 0.55 + rand() * 0.45;
    if (kind === 0) {
      // DSAT, complaint, revision that drew SAT.
      judge(add('assistant', `Short answer: ${sentence(5)}.`), 'dsat', 'insufficient_detail', conf);
      add('user', `That is not enough, I need more about ${sentence(4)}.`);
      judge(add('assistant', `Here is a fuller answer: ${sentence(18)}${planted ? ` ${planted}` : ''}.`), 'sat', 'gratitude', conf);
      add('user', 'Thanks, that helps a lot.');
    } else if (kind === 1) {
      // Regeneration: the first answer was regenerated away, the second kept.
      // Lengths vary so ranked pairs have chosen both longer and shorter than rejected.
      const first = add('assistant', `Maybe ${sentence(4 + Math.floor(rand() * 12))}.`);
      judge(first, 'dsat', 'revision', conf);
      judge(add('assistant', `Certainly: ${sentence(4 + Math.floor(rand() * 12))}.`, { regenerates: first.messageId }), 'sat', 'acknowledgment', conf);
      add('user', 'ok got it');
    } else if (kind === 2) {
      judge(add('assistant', `Answer: ${sentence(14)}.`), 'sat', 'praise', conf);
      add('user', 'Great answer, well done.');
    } else {
      judge(add('assistant', `Wrong: ${sentence(8)}.`), 'dsat', 'factual_error', conf);
      add('user', `No, that is wrong about ${sentence(3)}.`);
      judge(add('assistant', `Sorry, still ${sentence(7)}.`), 'dsat', 'factual_error', conf * 0.9);
    }
    out.push({ conversation: { conversationId, turns, feedback: new Map() }, verdicts });
  }
  return out;
}
