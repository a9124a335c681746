import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRelease } from './pipeline.js';
import { syntheticJudged } from './synthetic.js';

type Built = Awaited<ReturnType<typeof buildRelease>>;
const all = async (r: Built, b: 'kto' | 'ranked') => [...(await r.rows[b].train.toArray()), ...(await r.rows[b].test.toArray())];

test('confidence filter, per-user cap and split are applied and counted', async () => {
  const judged = syntheticJudged({ conversations: 120, seed: 11, users: 3 });
  const open = await buildRelease(judged, { minConfidence: 0, perUserCap: null, testPercent: 25 });
  const strict = await buildRelease(judged, { minConfidence: 0.8, perUserCap: null, testPercent: 25 });
  const total = (r: typeof open, b: 'kto') => r.rows[b].train.length + r.rows[b].test.length;
  assert.ok(strict.dropped.min_confidence.kto > 0);
  assert.equal(total(strict, 'kto') + strict.dropped.min_confidence.kto, total(open, 'kto'));
  for (const r of await all(strict, 'kto')) assert.ok(r.meta.confidence >= 0.8);

  const capped = await buildRelease(judged, { minConfidence: 0, perUserCap: 5, testPercent: 25 });
  const perUser = new Map<string, number>();
  for (const r of await all(capped, 'kto')) perUser.set(r.meta.user_hash!, (perUser.get(r.meta.user_hash!) ?? 0) + 1);
  assert.deepEqual([...perUser.values()], [5, 5, 5]);
  assert.equal(capped.dropped.user_cap.kto, total(open, 'kto') - 15);

  const trainConv = new Set((await open.rows.kto.train.toArray()).map((r) => r.meta.conversation_id));
  assert.ok(open.rows.kto.test.length > 0);
  assert.ok((await open.rows.kto.test.toArray()).every((r) => !trainConv.has(r.meta.conversation_id)));
  for (const b of [open, strict, capped]) b.dispose();
});

test('duplicates and contaminated prompts are dropped and counted', async () => {
  const judged = syntheticJudged({ conversations: 40, seed: 2 });
  const copy = syntheticJudged({ conversations: 40, seed: 2 }).map((jc) => ({
    ...jc,
    conversation: {
      ...jc.conversation,
      conversationId: `${jc.conversation.conversationId}-copy`,
      turns: jc.conversation.turns.map((t) => ({ ...t, conversationId: `${t.conversationId}-copy` })),
    },
  }));
  const once = await buildRelease(judged, { perUserCap: null });
  const twice = await buildRelease([...judged, ...copy], { perUserCap: null });
  const n = (r: typeof once) => r.rows.drift.train.length + r.rows.drift.test.length;
  assert.equal(n(twice), n(once));
  assert.equal(twice.dropped.exact_duplicate.drift, n(once));

  const request = judged[0].conversation.turns.find((t) => t.role === 'user')!.content;
  const decon = await buildRelease(judged, { perUserCap: null, decontaminationNgram: 4 }, { benchmarkPrompts: [request] });
  assert.ok(decon.dropped.decontamination.kto >= 1);
});

const rows0 = (b: Awaited<ReturnType<typeof buildRelease>>) => b.rows.ranked.train.length + b.rows.ranked.test.length;

test('length report and balancing: equal chosen-longer and chosen-not-longer pairs', async () => {
  const judged = syntheticJudged({ conversations: 80, seed: 4 });
  const plain = await buildRelease(judged, { perUserCap: null });
  const rep = plain.lengthReport.revision;
  assert.ok(rep.pairs > 0);
  assert.equal(rep.shareChosenLongerBefore, rep.chosenLongerBefore / rep.pairs);
  // Synthetic revisions are longer than the answers they fix; ranked pairs mix both ways.
  assert.equal(rep.shareChosenLongerBefore, 1);
  const balanced = await buildRelease(judged, { perUserCap: null, balanceLength: true });
  const r = balanced.lengthReport.ranked;
  assert.ok(r.shareChosenLongerBefore! > 0 && r.shareChosenLongerBefore! < 1, 'ranked pairs go both ways');
  assert.ok(rows0(balanced) > 0);
  const rows = await all(balanced, 'ranked');
  const longer = rows.filter((x) => x.meta.len_chosen! > x.meta.len_rejected!).length;
  assert.equal(longer * 2, rows.length);
  assert.equal(r.shareChosenLongerAfter, 0.5);
  assert.equal(balanced.dropped.length_balance.ranked, r.pairs - r.pairsAfter);
  assert.equal(balanced.lengthReport.revision.pairsAfter, 0, 'all-longer revisions cannot be balanced');
  plain.dispose();
  balanced.dispose();
});

test('bad config is rejected with the field named', async () => {
  await assert.rejects(buildRelease([], { testPercent: 150 }), /testPercent/);
  await assert.rejects(buildRelease([], { nope: 1 } as never), /nope|unrecognized/i);
});
