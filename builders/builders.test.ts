import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredTurn } from '../src/model.js';
import type { Verdict } from '../detectors/types.js';
import { BUILDERS, BUILDER_NAMES, loadCandidates, parseReleaseConfig } from './index.js';
import type { BuildContext, JudgedConversation } from './types.js';
import { buildRelease } from './pipeline.js';

type T = [role: StoredTurn['role'], content: string, meta?: Record<string, unknown>];

function conv(id: string, turns: T[], verdicts: Record<number, Partial<Verdict> & { label: Verdict['label'] }>): JudgedConversation {
  const stored: StoredTurn[] = turns.map(([role, content, metadata], i) => ({
    conversationId: id,
    turnIndex: i,
    messageId: `${id}-${i}`,
    role,
    content,
    ts: null,
    policyVersion: role === 'assistant' ? 'p1' : null,
    userHash: role === 'user' ? 'u1' : null,
    metadata: metadata ?? {},
  }));
  const v = new Map<string, Verdict>();
  for (const [i, p] of Object.entries(verdicts)) {
    v.set(`${id}-${i}`, {
      dsatScore: p.label === 'dsat' ? 0.9 : 0.1,
      categories: [],
      confidence: 0.9,
      agreed: ['d1'],
      ...p,
    });
  }
  return { conversation: { conversationId: id, turns: stored, feedback: new Map() }, verdicts: v };
}

const ctx = (over: object = {}): BuildContext => ({ cfg: parseReleaseConfig(over), candidates: new Map() });

test('registry covers exactly the closed builder list', () => {
  assert.deepEqual(Object.keys(BUILDERS).sort(), [...BUILDER_NAMES].sort());
  for (const n of BUILDER_NAMES) assert.equal(BUILDERS[n].name, n);
});

test('drift row: prompt up to the eliciting user turn, rejected, user_preference', () => {
  const jc = conv(
    'c1',
    [
      ['system', 'be brief'],
      ['user', 'what is 2+2'],
      ['assistant', 'five'],
      ['user', 'wrong, it is four'],
      ['assistant', 'four'],
    ],
    { 2: { label: 'dsat', categories: ['factual_error'] }, 4: { label: 'sat' } },
  );
  const rows = BUILDERS.drift.build(jc, ctx());
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].prompt, [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'what is 2+2' },
  ]);
  assert.deepEqual(rows[0].rejected, [{ role: 'assistant', content: 'five' }]);
  assert.deepEqual(rows[0].userPreference, { role: 'user', content: 'wrong, it is four' });
  assert.equal(rows[0].chosen, null);
  assert.equal(rows[0].meta.category, 'factual_error');
  assert.equal(rows[0].meta.turn_index, 2);
  assert.equal(rows[0].meta.user_hash, 'u1');
});

test('unrealistic_expectation DSATs are not used as negatives', () => {
  const jc = conv('c2', [['user', 'book me a flight'], ['assistant', 'I cannot'], ['user', 'useless']], {
    1: { label: 'dsat', categories: ['unrealistic_expectation'] },
  });
  for (const n of BUILDER_NAMES) assert.equal(BUILDERS[n].build(jc, ctx()).length, 0, n);
});

test('revision pair: later SAT answer is chosen, DSAT answer rejected, original request is the prompt', () => {
  const jc = conv(
    'c3',
    [
      ['user', 'write a haiku'],
      ['assistant', 'bad haiku'],
      ['user', 'too long, again'],
      ['assistant', 'still bad'],
      ['user', 'no'],
      ['assistant', 'good haiku'],
      ['user', 'thanks!'],
    ],
    { 1: { label: 'dsat' }, 3: { label: 'dsat' }, 5: { label: 'sat' } },
  );
  const rows = BUILDERS.revision.build(jc, ctx());
  assert.equal(rows.length, 2);
  const first = rows.find((r) => r.rejected![0].content === 'bad haiku')!;
  assert.deepEqual(first.prompt, [{ role: 'user', content: 'write a haiku' }]);
  assert.deepEqual(first.chosen, [{ role: 'assistant', content: 'good haiku' }]);
  // with a gap limit of 1 the first DSAT answer no longer reaches the revision
  assert.equal(BUILDERS.revision.build(jc, ctx({ maxRevisionGap: 1 })).length, 1);
  // a neutral answer in between ends the search (and is itself no negative)
  jc.verdicts.set('c3-3', { label: 'neutral', dsatScore: 0.5, categories: [], confidence: 0.9, agreed: [] });
  assert.equal(BUILDERS.revision.build(jc, ctx()).length, 0);
});

test('regenerations: ranked pair best vs worst above the margin; regenerated-away answer leaves later prompts', () => {
  const jc = conv(
    'c4',
    [
      ['user', 'name a color'],
      ['assistant', 'blorp'],
      ['assistant', 'blue', { regenerates: 'c4-1' }],
      ['user', 'and a fruit?'],
      ['assistant', 'apple'],
    ],
    { 1: { label: 'dsat', dsatScore: 0.8 }, 2: { label: 'sat', dsatScore: 0.1 }, 4: { label: 'sat' } },
  );
  const rows = BUILDERS.ranked.build(jc, ctx({ margin: 0.5 }));
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].chosen, [{ role: 'assistant', content: 'blue' }]);
  assert.deepEqual(rows[0].rejected, [{ role: 'assistant', content: 'blorp' }]);
  assert.equal(rows[0].margin, 0.7);
  assert.equal(BUILDERS.ranked.build(jc, ctx({ margin: 0.75 })).length, 0);
  const kto = BUILDERS.kto.build(jc, ctx());
  const apple = kto.find((r) => r.completion![0].content === 'apple')!;
  assert.deepEqual(
    apple.prompt.map((m) => m.content),
    ['name a color', 'blue', 'and a fruit?'],
  );
  // the regenerated-away DSAT answer is not a revision pair (it is the ranked builder's case)
  assert.equal(BUILDERS.revision.build(jc, ctx()).length, 0);
});

test('regeneration pair survives the default confidence filter when the user kept the later answer', async () => {
  // As the explicit detector judges them: the regenerated-away answer is a weak, low-confidence DSAT (neutral),
  // the kept answer the user continued with is a confident neutral. The pair is the user's own choice.
  const jc = conv(
    'c9',
    [
      ['user', 'name a color'],
      ['assistant', 'blorp'],
      ['assistant', 'blue', { regenerates: 'c9-1' }],
      ['user', 'and a fruit?'],
      ['assistant', 'apple'],
    ],
    {
      1: { label: 'neutral', dsatScore: 0.402, confidence: 0.39 },
      2: { label: 'neutral', dsatScore: 0.08, confidence: 0.6 },
      4: { label: 'neutral', dsatScore: 0.08, confidence: 0.6 },
    },
  );
  const built = await buildRelease([jc], { perUserCap: null, testPercent: 0 });
  assert.equal(built.dropped.min_confidence.ranked, 0);
  assert.equal(built.rows.ranked.train.length, 1);
  const [pair] = await built.rows.ranked.train.toArray();
  built.dispose();
  assert.deepEqual([pair.chosen![0].content, pair.rejected![0].content], ['blue', 'blorp']);
  assert.equal(pair.meta.confidence, 0.6);
  assert.equal(pair.margin, 0.322);

  // When the kept answer scores worse than the one regenerated away, the user's action does not back the order:
  // the weaker verdict bounds the pair and the filter drops it.
  jc.verdicts.set('c9-2', { label: 'dsat', dsatScore: 0.9, categories: ['revision'], confidence: 0.45, agreed: ['wildfeedback'] });
  const reversed = await buildRelease([jc], { perUserCap: null, testPercent: 0 });
  assert.equal(reversed.rows.ranked.train.length, 0);
  assert.equal(reversed.dropped.min_confidence.ranked, 1);
});

test('ranked pairs from a candidates file, compared only within one score kind', () => {
  const jc = conv('c5', [['user', 'tell a joke'], ['assistant', 'logged joke']], { 1: { label: 'sat' } });
  const dir = mkdtempSync(join(tmpdir(), 'cands-'));
  const file = join(dir, 'c.jsonl');
  const line = (response: string, score: number, kind = 'flr') =>
    JSON.stringify({ conversation_id: 'c5', prompt_message_id: 'c5-0', response, score, score_kind: kind });
  writeFileSync(file, [line('great joke', 0.9), line('meh joke', 0.5), line('awful joke', 0.1), line('x', 5, 'plove')].join('\n'));
  const rows = BUILDERS.ranked.build(jc, { cfg: parseReleaseConfig({}), candidates: loadCandidates(file) });
  assert.equal(rows.length, 1);
  assert.equal(rows[0].chosen![0].content, 'great joke');
  assert.equal(rows[0].rejected![0].content, 'awful joke');
  assert.equal(rows[0].meta.signal, 'rank:flr');
  writeFileSync(file, '{"conversation_id":"c5","prompt_message_id":"c5-0","response":"r"}\n');
  assert.throws(() => loadCandidates(file), /c\.jsonl:1: field "score"/);
});

test('kto rows: SAT true, DSAT false, neutral skipped', () => {
  const jc = conv(
    'c6',
    [['user', 'a'], ['assistant', 'b'], ['user', 'c'], ['assistant', 'd'], ['user', 'e'], ['assistant', 'f']],
    { 1: { label: 'sat' }, 3: { label: 'dsat' }, 5: { label: 'neutral' } },
  );
  assert.deepEqual(
    BUILDERS.kto.build(jc, ctx()).map((r) => [r.completion![0].content, r.label]),
    [
      ['b', true],
      ['d', false],
    ],
  );
});
