// Biased exposure: reaction-prone users ask about one topic, reaction-shy users about another, and answer
// quality alone decides whether a reacting user Loves the answer. Only the propensity-weighted model should
// rank answers by quality rather than by who happened to read them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Conversation, StoredFeedback, StoredTurn } from '../model.js';
import { featurize } from './features.js';
import { loveExamplesFromConversations, loveLabelRows } from './labels.js';
import { auroc } from './eval.js';
import { trainLoveModel, type TrainedLoveModel } from './train.js';
import { mulberry32 as rng } from '../hashing.js';


const QUESTION = { alpha: 'How do I repot an alpha orchid?', beta: 'How do I fix a beta bicycle chain?' };
const ANSWER = {
  good: 'Step by step: first prepare the tools, then follow these detailed instructions carefully.',
  bad: 'Not sure, maybe search online.',
};
const P_LOVE_IF_REACTING = { good: 0.75, bad: 0.25 };

function simulate(seed: number, perUser: number): { conversations: Conversation[]; truth: Map<string, number> } {
  const rand = rng(seed);
  const conversations: Conversation[] = [];
  const truth = new Map<string, number>(); // messageId -> latent "would love it"
  for (let u = 0; u < 40; u++) {
    const heavy = u < 20;
    const topic = heavy ? 'alpha' : 'beta';
    const reactProb = heavy ? 0.8 : 0.06;
    for (let c = 0; c < perUser; c++) {
      const id = `s${seed}-u${u}-c${c}`;
      const quality = rand() < 0.5 ? 'good' : 'bad';
      const wouldLove = rand() < P_LOVE_IF_REACTING[quality] ? 1 : 0;
      const base = { conversationId: id, ts: '2026-11-20T10:00:00.000Z', policyVersion: 'p1', userHash: `user-${u}`, metadata: {} };
      const turns: StoredTurn[] = [
        { ...base, turnIndex: 0, messageId: `${id}-q`, role: 'user', content: QUESTION[topic] },
        { ...base, turnIndex: 1, messageId: `${id}-a`, role: 'assistant', content: ANSWER[quality] },
      ];
      const feedback = new Map<string, StoredFeedback[]>();
      if (rand() < reactProb) {
        const kind = wouldLove ? 'love' : 'thumbs_down';
        feedback.set(`${id}-a`, [{ eventId: `${id}-e`, messageId: `${id}-a`, kind, value: null, ts: '2026-11-20T10:01:00.000Z', userHash: `user-${u}` }]);
      }
      truth.set(`${id}-a`, wouldLove);
      conversations.push({ conversationId: id, turns, feedback });
    }
  }
  return { conversations, truth };
}

function scoreOf(model: TrainedLoveModel, topic: 'alpha' | 'beta', quality: 'good' | 'bad'): number {
  const x = featurize(QUESTION[topic], ANSWER[quality], model.features);
  let z = model.bias;
  for (let i = 0; i < x.indices.length; i++) z += model.weights[x.indices[i]] * x.values[i];
  return 1 / (1 + Math.exp(-(model.platt.a * z + model.platt.b)));
}

describe('propensity weighting under biased exposure', () => {
  const train = simulate(1, 50);
  const { rows, propensity } = loveExamplesFromConversations(train.conversations);
  const small = { features: { dim: 1 << 12, version: 'test' }, epochs: 8 };

  it('estimates a higher reaction propensity for reaction-prone users', () => {
    const mean = (pred: (u: number) => boolean) => {
      const sel = rows.filter((r) => pred(Number(r.userHash!.split('-')[1])));
      return sel.reduce((s, r) => s + r.propensity!, 0) / sel.length;
    };
    assert.ok(mean((u) => u < 20) > 0.6, `heavy ${mean((u) => u < 20)}`);
    assert.ok(mean((u) => u >= 20) < 0.15, `light ${mean((u) => u >= 20)}`);
    assert.equal(propensity.featureNames[1], 'user_rate_logit');
    assert.ok(propensity.coefficients[1] > 0);
  });

  it('the weighted model recovers the quality ranking; the unweighted one ranks by exposure', async (t) => {
    const weighted = await trainLoveModel(rows, small);
    const naive = await trainLoveModel(rows, { ...small, usePropensity: false });
    // True ranking: both good answers above both bad ones, whatever the topic.
    const w = { ag: scoreOf(weighted, 'alpha', 'good'), bg: scoreOf(weighted, 'beta', 'good'), ab: scoreOf(weighted, 'alpha', 'bad'), bb: scoreOf(weighted, 'beta', 'bad') };
    const n = { ag: scoreOf(naive, 'alpha', 'good'), bg: scoreOf(naive, 'beta', 'good'), ab: scoreOf(naive, 'alpha', 'bad'), bb: scoreOf(naive, 'beta', 'bad') };
    assert.ok(Math.min(w.ag, w.bg) > Math.max(w.ab, w.bb), `weighted ${JSON.stringify(w)}`);
    assert.ok(n.ab > n.bg, `unweighted should put the exposed bad answer above the unexposed good one ${JSON.stringify(n)}`);

    // On fresh data, against the latent "would love it", the weighted model ranks better.
    const test = simulate(2, 20);
    const testRows = loveLabelRows(test.conversations);
    const latent = testRows.map((r) => test.truth.get(r.messageId)!);
    const score = (m: TrainedLoveModel) =>
      testRows.map((r) => scoreOf(m, r.context[0].content.includes('alpha') ? 'alpha' : 'beta', r.response === ANSWER.good ? 'good' : 'bad'));
    const aucWeighted = auroc(score(weighted), latent);
    const aucNaive = auroc(score(naive), latent);
    t.diagnostic(`AUROC vs latent label: weighted ${aucWeighted.toFixed(3)}, unweighted ${aucNaive.toFixed(3)}`);
    assert.ok(aucWeighted > aucNaive + 0.05, `weighted ${aucWeighted} vs unweighted ${aucNaive}`);
  });
});

describe('loveLabelRows', () => {
  it('counts a Love only inside the window and after the response; other reactions are negatives', () => {
    const base = { conversationId: 'c', ts: '2026-11-20T10:00:00.000Z', policyVersion: null, userHash: 'u', metadata: {} };
    const conv: Conversation = {
      conversationId: 'c',
      turns: [
        { ...base, turnIndex: 0, messageId: 'q', role: 'user', content: 'hi' },
        { ...base, turnIndex: 1, messageId: 'a1', role: 'assistant', content: 'one' },
        { ...base, turnIndex: 2, messageId: 'a2', role: 'assistant', content: 'two' },
        { ...base, turnIndex: 3, messageId: 'a3', role: 'assistant', content: 'three' },
        { ...base, turnIndex: 4, messageId: 'a4', role: 'assistant', content: 'never shown', metadata: { shown: false } },
      ],
      feedback: new Map([
        ['a1', [{ eventId: 'e1', messageId: 'a1', kind: 'love', value: null, ts: '2026-11-20T12:00:00.000Z', userHash: 'u' }]],
        ['a2', [{ eventId: 'e2', messageId: 'a2', kind: 'love', value: null, ts: '2026-11-22T12:00:00.000Z', userHash: 'u' }]],
        ['a3', [{ eventId: 'e3', messageId: 'a3', kind: 'thumbs_down', value: null, ts: '2026-11-20T10:05:00.000Z', userHash: 'u' }]],
      ]),
    };
    const rows = loveLabelRows([conv]);
    assert.deepEqual(rows.map((r) => [r.messageId, r.label, r.reacted]), [
      ['a1', 1, true],
      ['a2', 0, false],
      ['a3', 0, true],
    ]);
    assert.deepEqual(loveLabelRows([conv], { loveKinds: ['love'], windowHours: 72 }).map((r) => r.label), [1, 1, 0]);
  });
});
