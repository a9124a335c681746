import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Conversation, StoredTurn } from '../src/model.js';
import { createFlrDetector, flrSignal } from './flr.js';
import { assistantTurnContexts } from './types.js';

const MODEL_DIR = fileURLToPath(new URL('../tests/fixtures/models/tiny-llama', import.meta.url));

function conversation(): Conversation {
  const base = { conversationId: 'c1', ts: null, policyVersion: 'p', userHash: null, metadata: {} };
  const turns: StoredTurn[] = [
    { ...base, turnIndex: 0, messageId: 'u0', role: 'user', content: 'How do I bake bread?' },
    { ...base, turnIndex: 1, messageId: 'a1', role: 'assistant', content: 'Flour, water, salt and yeast.' },
    { ...base, turnIndex: 2, messageId: 'u2', role: 'user', content: 'Thanks!' },
    { ...base, turnIndex: 3, messageId: 'a3', role: 'assistant', content: 'You are welcome.' },
  ];
  return { conversationId: 'c1', turns, feedback: new Map() };
}

describe('flr detector', () => {
  it('maps rewards to sat / dsat / nothing', () => {
    const r = (reward: number) => ({ reward, rewards: { relevance: reward }, followUps: [], truncatedTokens: 0 });
    assert.equal(flrSignal(r(0.5))?.label, 'sat');
    assert.equal(flrSignal(r(-0.5))?.label, 'dsat');
    assert.ok(flrSignal(r(-0.5))!.score > 0.5);
    assert.equal(flrSignal(r(0.01)), null);
  });

  it('scores every assistant turn in a batch pass and answers detect() from it', async () => {
    const det = await createFlrDetector({
      modelDir: MODEL_DIR,
      followUps: { relevance: { positive: ['Spot on.'], negative: ['Off topic.'] } },
      satMargin: 0,
      dsatMargin: 0,
    });
    const contexts = [...assistantTurnContexts(conversation())];
    assert.equal(det.detect(contexts[0]), null); // nothing before the batch pass
    const signals = await det.detectBatch(contexts);
    await det.release();
    assert.deepEqual([...signals.keys()], ['a1', 'a3']);
    for (const ctx of contexts) {
      const named = signals.get(ctx.assistantTurn.messageId)![0];
      assert.equal(named.detector, 'flr');
      assert.equal(named.kind, 'model');
      assert.deepEqual(det.detect(ctx), named.result);
      const reward = det.results.get(ctx.assistantTurn.messageId)!.reward;
      assert.equal((named.result as { label: string }).label, reward >= 0 ? 'sat' : 'dsat');
    }
  });
});
