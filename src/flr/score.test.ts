import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CausalLm, logSoftmaxAt } from './lm.js';
import { flrMessages, prepareSequences, scoreNaive, scoreResponse, scoreWithPrefixReuse } from './score.js';

const MODEL_DIR = fileURLToPath(new URL('../../tests/fixtures/models/tiny-llama', import.meta.url));
interface RefCase {
  name: string;
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  follow_ups: string[];
  truncated_tokens: number;
  mean_logprobs: number[];
}
const reference = JSON.parse(readFileSync(`${MODEL_DIR}/reference.json`, 'utf8')) as {
  max_length: number;
  cases: RefCase[];
};

describe('FLR scorer vs PyTorch reference (tiny Llama fixture)', () => {
  let lm: CausalLm;
  before(async () => {
    lm = await CausalLm.load(MODEL_DIR);
  });
  after(async () => lm.release());

  for (const c of reference.cases) {
    it(`${c.name}: prefix-reuse and naive scores match within 1e-4`, async () => {
      const { sequences, truncatedTokens } = prepareSequences(lm, c.messages, c.follow_ups, reference.max_length);
      assert.equal(truncatedTokens, c.truncated_tokens);
      // Batch size 4 forces uneven batches with right padding.
      const reuse = await scoreWithPrefixReuse(lm, sequences, { batchSize: 4, prefixChunk: 100 });
      const naive = await scoreNaive(lm, sequences);
      for (let i = 0; i < c.follow_ups.length; i++) {
        assert.ok(Math.abs(reuse[i] - c.mean_logprobs[i]) < 1e-4, `${c.follow_ups[i]}: ${reuse[i]} vs ${c.mean_logprobs[i]}`);
        assert.ok(Math.abs(naive[i] - c.mean_logprobs[i]) < 1e-4, `${c.follow_ups[i]}: ${naive[i]} vs ${c.mean_logprobs[i]}`);
      }
    });
  }

  it('the released-code quirk (raw logits at one misaligned position) is far from the reference', async () => {
    const c = reference.cases[0];
    const { sequences } = prepareSequences(lm, c.messages, c.follow_ups, reference.max_length);
    const s = sequences[0];
    const out = await lm.forward([s.ids], lm.emptyPast(1));
    const vocab = lm.vocabSize;
    const row = s.ids.length - (s.end - s.start); // logits[-len(f_ids)]
    let quirk = 0;
    let shifted = 0;
    for (let t = s.start; t < s.end; t++) {
      quirk += out.logits[row * vocab + s.ids[t]];
      shifted += logSoftmaxAt(out.logits, t * vocab, vocab, s.ids[t]); // off by one position
    }
    quirk /= s.end - s.start;
    shifted /= s.end - s.start;
    // Both are far outside the 1e-4 tolerance, so the fidelity test would catch either mistake.
    assert.ok(Math.abs(quirk - c.mean_logprobs[0]) > 1e-2);
    assert.ok(Math.abs(shifted - c.mean_logprobs[0]) > 1e-2);
  });

  it('scoreResponse gives a reward per dimension = mean(pos) - mean(neg)', async () => {
    const sets = { relevance: { positive: ['Spot on.', 'Exactly right.'], negative: ['Off topic.'] } };
    const r = await scoreResponse(lm, [{ role: 'user', content: 'Where is Paris?' }], 'In France.', { followUps: sets });
    assert.equal(r.followUps.length, 3);
    const [p1, p2, n1] = r.followUps.map((f) => f.meanLogprob);
    assert.ok(Math.abs(r.rewards.relevance - ((p1 + p2) / 2 - n1)) < 1e-12);
    assert.equal(r.reward, r.rewards.relevance);
    assert.ok(r.followUps.every((f) => f.tokens > 0 && f.meanLogprob < 0));
  });

  it('flrMessages drops tool turns and leading assistant turns, joins same-role runs', () => {
    const m = flrMessages([
      { role: 'system', content: 's' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
      { role: 'tool', content: 't' },
      { role: 'assistant', content: 'c' },
    ]);
    assert.deepEqual(m, [
      { role: 'system', content: 's' },
      { role: 'user', content: 'a\nb' },
      { role: 'assistant', content: 'c' },
    ]);
    // A greeting with no user turn before it stays.
    assert.deepEqual(flrMessages([{ role: 'assistant', content: 'Welcome!' }]), [{ role: 'assistant', content: 'Welcome!' }]);
  });
});
