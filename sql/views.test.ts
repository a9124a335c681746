// Each analyst view on a small store with known contents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../src/store.js';
import { detectStored } from '../src/pipeline.js';

const GUSHY = "Great question! I'm so happy to help. Here you go. Bye! 😊😊";

async function known(): Promise<Store> {
  const s = await Store.open(':memory:', { salt: 'x' });
  const turn = (c: string, i: number, role: string, content: string, pv: string | null, day: string) =>
    `('${c}', ${i}, '${c}:${i}', '${role}', '${content.replace(/'/g, "''")}', TIMESTAMPTZ '${day} 10:00:00+00', ${pv ? `'${pv}'` : 'NULL'}, NULL, '{}', 'f', 1)`;
  const rows: string[] = [];
  // Day 1, policy A: 4 judged responses, 1 dsat, 2 sat. Day 2, policy B: 2 judged, 2 dsat.
  for (let c = 0; c < 4; c++) rows.push(turn(`a${c}`, 0, 'user', 'q', null, '2026-11-01'), turn(`a${c}`, 1, 'assistant', c === 0 ? GUSHY : 'answer', 'A', '2026-11-01'), turn(`a${c}`, 2, 'user', 'next', null, '2026-11-01'));
  for (let c = 0; c < 2; c++) rows.push(turn(`b${c}`, 0, 'user', 'q', null, '2026-11-02'), turn(`b${c}`, 1, 'assistant', 'If this helped, please like it! answer', 'B', '2026-11-02'));
  await s.run(`INSERT INTO turns VALUES ${rows.join(',')}`);
  const v = (m: string, label: string, cats: string, pv: string) => `('${m}', '${m.split(':')[0]}', 1, '${label}', ${label === 'dsat' ? 0.9 : 0.1}, ${cats}, 0.8, ['wildfeedback'], '${pv}', '1')`;
  await s.run(`INSERT INTO verdicts VALUES ${[
    v('a0:1', 'dsat', "['factual_error']", 'A'),
    v('a1:1', 'sat', "['gratitude']", 'A'),
    v('a2:1', 'sat', "['gratitude', 'praise']", 'A'),
    v('a3:1', 'neutral', '[]', 'A'),
    v('b0:1', 'dsat', "['revision']", 'B'),
    v('b1:1', 'dsat', "['factual_error']", 'B'),
  ].join(',')}`);
  await s.run(`INSERT INTO feedback_events VALUES ('e1', 'a1:1', 'love', 1, NULL, NULL, '{}', 'f', 1), ('e2', 'a1:1', 'love', 1, NULL, NULL, '{}', 'f', 2)`);
  await s.run(`INSERT INTO signals VALUES
    ('a0:1', 'a0', 1, 'wildfeedback', '1', 'dsat', false, 'factual_error', 0.9, 0.8, ''),
    ('a0:1', 'a0', 1, 'explicit', '1', 'dsat', false, NULL, 0.6, 0.5, ''),
    ('a1:1', 'a1', 1, 'wildfeedback', '1', 'sat', false, 'gratitude', 0.9, 0.8, ''),
    ('a1:1', 'a1', 1, 'explicit', '1', 'dsat', false, NULL, 0.6, 0.5, ''),
    ('a2:1', 'a2', 1, 'explicit', '1', NULL, true, NULL, NULL, NULL, 'unsure')`);
  return s;
}

test('v_daily_rates: rates per day and policy with Wilson bounds around them', async () => {
  const s = await known();
  const r = await s.rows<Record<string, number | string>>('SELECT day::VARCHAR AS day, policy_version, judged::INT AS judged, dsat::INT AS dsat, sat::INT AS sat, dsat_rate, dsat_rate_low, dsat_rate_high FROM v_daily_rates');
  assert.equal(r.length, 2);
  assert.deepEqual([r[0].day, r[0].policy_version, r[0].judged, r[0].dsat, r[0].sat], ['2026-11-01', 'A', 4, 1, 2]);
  assert.equal(r[0].dsat_rate, 0.25);
  assert.ok((r[0].dsat_rate_low as number) < 0.25 && (r[0].dsat_rate_high as number) > 0.25);
  // Wilson 95 % interval for 1/4 is about [0.046, 0.699].
  assert.ok(Math.abs((r[0].dsat_rate_low as number) - 0.0456) < 0.002);
  assert.ok(Math.abs((r[0].dsat_rate_high as number) - 0.6994) < 0.002);
  assert.equal(r[1].dsat_rate, 1);
  s.close();
});

test('v_category_mix counts categories within each label', async () => {
  const s = await known();
  const r = await s.rows<{ label: string; category: string; n: bigint; share: number }>('SELECT * FROM v_category_mix');
  const dsat = r.filter((x) => x.label === 'dsat');
  assert.deepEqual(dsat.map((x) => [x.category, Number(x.n)]), [['factual_error', 2], ['revision', 1]]);
  assert.ok(Math.abs(dsat[0].share - 2 / 3) < 1e-9);
  assert.deepEqual(r.filter((x) => x.label === 'sat').map((x) => [x.category, Number(x.n)]), [['gratitude', 2], ['praise', 1]]);
  s.close();
});

test('v_policy_scorecard: SAT, DSAT and Love rates per policy (a message loved twice counts once)', async () => {
  const s = await known();
  const r = await s.rows<{ policy_version: string; responses: bigint; sat_rate: number; dsat_rate: number; love_rate: number }>('SELECT * FROM v_policy_scorecard');
  assert.deepEqual(r.map((x) => [x.policy_version, Number(x.responses), x.sat_rate, x.dsat_rate, x.love_rate]), [['A', 4, 0.5, 0.25, 0.25], ['B', 2, 0, 1, 0]]);
  s.close();
});

test('v_detector_agreement compares detectors that both fired, ignoring ambiguous signals', async () => {
  const s = await known();
  const r = await s.rows<{ detector_a: string; detector_b: string; both_fired: bigint; agree: bigint; agreement: number }>('SELECT * FROM v_detector_agreement');
  assert.deepEqual(r.map((x) => [x.detector_a, x.detector_b, Number(x.both_fired), Number(x.agree), x.agreement]), [['explicit', 'wildfeedback', 2, 1, 0.5]]);
  s.close();
});

test('v_reward_hacking aggregates the stored per-response flags (written by the detect stage) per policy', async () => {
  const s = await known();
  // The flags are written when responses are judged; judge the known store's responses through the real path.
  await s.transaction(() => detectStored(s, 'all'));
  const r = await s.rows<{ policy_version: string; responses: bigint; farewell_rate: number; begging_rate: number; gushing_rate: number; emoji_heavy_rate: number; emoji_per_word: number }>('SELECT * FROM v_reward_hacking');
  const a = r.find((x) => x.policy_version === 'A')!;
  const b = r.find((x) => x.policy_version === 'B')!;
  assert.equal(Number(a.responses), 4);
  assert.equal(a.farewell_rate, 0.25);
  assert.equal(a.gushing_rate, 0.25);
  assert.equal(a.emoji_heavy_rate, 0.25);
  assert.equal(a.begging_rate, 0);
  assert.ok(a.emoji_per_word > 0);
  assert.equal(b.begging_rate, 1);
  assert.equal(b.farewell_rate, 0);
  assert.equal(b.emoji_per_word, 0);
  s.close();
});

test('v_response_verdicts shows the response next to the user follow-up', async () => {
  const s = await known();
  const r = await s.rows<{ message_id: string; response: string; follow_up: string | null }>("SELECT message_id, response, follow_up FROM v_response_verdicts ORDER BY message_id");
  assert.equal(r.length, 6);
  assert.equal(r[1].follow_up, 'next');
  assert.equal(r.find((x) => x.message_id === 'b0:1')!.follow_up, null);
  s.close();
});

// ---- sql/004: detector versions, release yield, P[Love] calibration

/** known() plus a second version of `explicit` that agrees with wildfeedback on both turns it labels. */
async function withBackfill(): Promise<Store> {
  const s = await known();
  await s.run(`INSERT INTO signals VALUES
    ('a0:1', 'a0', 1, 'explicit', '2', 'dsat', false, NULL, 0.7, 0.6, ''),
    ('a1:1', 'a1', 1, 'explicit', '2', 'sat', false, NULL, 0.7, 0.6, ''),
    ('a0:1', 'a0', 1, 'flr', '1.9', 'dsat', false, NULL, 0.7, 0.3, ''),
    ('a0:1', 'a0', 1, 'flr', '1.10', 'sat', false, NULL, 0.7, 0.3, '')`);
  return s;
}

test('v_detector_versions and v_signals_latest: versions compare numerically by part ("1.10" > "1.9")', async () => {
  const s = await withBackfill();
  const v = await s.rows<{ detector: string; detector_version: string; signals: bigint; is_latest: boolean }>('SELECT * FROM v_detector_versions');
  assert.deepEqual(v.map((x) => [x.detector, x.detector_version, Number(x.signals), x.is_latest]), [
    ['explicit', '1', 3, false],
    ['explicit', '2', 2, true],
    ['flr', '1.9', 1, false],
    ['flr', '1.10', 1, true],
    ['wildfeedback', '1', 2, true],
  ]);
  const latest = await s.rows<{ detector: string; detector_version: string; n: bigint }>('SELECT detector, detector_version, count(*) n FROM v_signals_latest GROUP BY ALL ORDER BY 1');
  assert.deepEqual(latest.map((x) => [x.detector, x.detector_version, Number(x.n)]), [['explicit', '2', 2], ['flr', '1.10', 1], ['wildfeedback', '1', 2]]);
  // Pinning one detector keeps the latest of the others.
  const pinned = await s.rows<{ detector: string; detector_version: string; n: bigint }>("SELECT detector, detector_version, count(*) n FROM signals_at('explicit', '1') GROUP BY ALL ORDER BY 1");
  assert.deepEqual(pinned.map((x) => [x.detector, x.detector_version, Number(x.n)]), [['explicit', '1', 3], ['flr', '1.10', 1], ['wildfeedback', '1', 2]]);
  s.close();
});

test('v_detector_agreement reads the latest versions; detector_agreement_at pins one', async () => {
  const s = await withBackfill();
  type A = { detector_a: string; detector_b: string; both_fired: bigint; agree: bigint; agreement: number };
  const fmt = (r: A[]) => r.map((x) => [x.detector_a, x.detector_b, Number(x.both_fired), Number(x.agree), x.agreement]);
  // Latest: explicit v2 agrees with wildfeedback on a0 (dsat) and a1 (sat); flr 1.10 says sat on a0.
  assert.deepEqual(fmt(await s.rows<A>('SELECT * FROM v_detector_agreement')), [
    ['explicit', 'flr', 1, 0, 0],
    ['explicit', 'wildfeedback', 2, 2, 1],
    ['flr', 'wildfeedback', 1, 0, 0],
  ]);
  assert.deepEqual(fmt(await s.rows<A>("SELECT * FROM detector_agreement_at('explicit', '1') WHERE detector_a = 'explicit' AND detector_b = 'wildfeedback'")), [
    ['explicit', 'wildfeedback', 2, 1, 0.5],
  ]);
  s.close();
});

test('v_detector_version_changes: how an older version labels differ from the latest', async () => {
  const s = await withBackfill();
  const r = await s.rows<{ detector: string; old_version: string; latest_version: string; both_labelled: bigint; changed: bigint; changed_share: number }>('SELECT * FROM v_detector_version_changes');
  // explicit v1 vs v2: a0 dsat/dsat, a1 dsat/sat (a2 has no v2 row); flr 1.9 vs 1.10: a0 dsat/sat.
  assert.deepEqual(r.map((x) => [x.detector, x.old_version, x.latest_version, Number(x.both_labelled), Number(x.changed), x.changed_share]), [
    ['explicit', '1', '2', 2, 1, 0.5],
    ['flr', '1.9', '1.10', 1, 1, 1],
  ]);
  s.close();
});

test('v_pair_yield: per release, builder and stage, shares of what the builder produced', async () => {
  const s = await known();
  await s.run(`INSERT INTO releases VALUES ('feedback-2026-11-01', 'v1', '/r/v1', '2026-11-01', 200, 'w', TIMESTAMPTZ '2026-11-02 01:00:00+00')`);
  await s.run(`INSERT INTO release_stats VALUES
    ('feedback-2026-11-01', 'v1', 'ranked', 'train', 8), ('feedback-2026-11-01', 'v1', 'ranked', 'test', 2),
    ('feedback-2026-11-01', 'v1', 'ranked', 'min_confidence', 6), ('feedback-2026-11-01', 'v1', 'ranked', 'near_duplicate', 4),
    ('feedback-2026-11-01', 'v1', 'kto', 'train', 0), ('feedback-2026-11-01', 'v1', 'kto', 'test', 0)`);
  const r = await s.rows<{ builder: string; stage: string; n: bigint; built: bigint; share_of_built: number | null; per_1k_conversations: number }>(
    'SELECT builder, stage, n, built, share_of_built, per_1k_conversations FROM v_pair_yield',
  );
  const ranked = r.filter((x) => x.builder === 'ranked');
  assert.deepEqual(ranked.map((x) => [x.stage, Number(x.n), Number(x.built), x.share_of_built]), [
    ['min_confidence', 6, 20, 0.3],
    ['near_duplicate', 4, 20, 0.2],
    ['test', 2, 20, 0.1],
    ['train', 8, 20, 0.4],
  ]);
  assert.equal(ranked.find((x) => x.stage === 'train')!.per_1k_conversations, 40);
  assert.ok(r.filter((x) => x.builder === 'kto').every((x) => x.share_of_built === null), 'no division by zero');
  s.close();
});

test('v_plove_calibration: latest P[Love] model in ten bins against observed Love, with Wilson bounds', async () => {
  const s = await known();
  // Version 1 is ignored; version 2: a1 (Loved) and a2 share the top bin, a0 and a3 sit low.
  await s.run(`INSERT INTO model_scores VALUES
    ('a0:1', 'a0', 'plove', '1', 0.99), ('a1:1', 'a1', 'plove', '1', 0.01),
    ('a0:1', 'a0', 'plove', '2', 0.05), ('a1:1', 'a1', 'plove', '2', 0.95), ('a2:1', 'a2', 'plove', '2', 0.92),
    ('a3:1', 'a3', 'plove', '2', 0.15), ('b0:1', 'b0', 'plove', '2', 1.0),
    ('a0:1', 'a0', 'flr', '1', 0.5)`);
  const r = await s.rows<{ bin: number; responses: bigint; mean_predicted: number; love_rate: number; love_rate_low: number; love_rate_high: number }>('SELECT * FROM v_plove_calibration');
  assert.deepEqual(r.map((x) => [x.bin, Number(x.responses), x.love_rate]), [[0, 1, 0], [1, 1, 0], [9, 3, 1 / 3]]);
  const top = r.find((x) => x.bin === 9)!;
  assert.ok(Math.abs(top.mean_predicted - (0.95 + 0.92 + 1.0) / 3) < 1e-9, 'a score of exactly 1 falls in the top bin');
  assert.ok(top.love_rate_low < 1 / 3 && top.love_rate_high > 1 / 3);
  s.close();
});

test('a build records its release and per-filter counts; v_pair_yield matches the manifest', async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, resolve } = await import('node:path');
  const { ingestFiles, detectStored, RejectsWriter } = await import('../src/pipeline.js');
  const { buildFromStore } = await import('../src/mine.js');
  const { resolveConfig } = await import('../src/config.js');
  const dir = mkdtempSync(join(tmpdir(), 'fm-yield-'));
  const s = await Store.open(':memory:', { salt: 'x' });
  await s.transaction(async () => {
    await ingestFiles(s, [resolve(import.meta.dirname, '../examples/logs/native-2026-11-20.jsonl')], new RejectsWriter(null));
    await detectStored(s, 'touched');
  });
  const summary = await buildFromStore(s, dir, 'feedback', resolveConfig(undefined));
  const manifest = JSON.parse(readFileSync(join(summary.path, 'manifest.json'), 'utf8')) as { counts: Record<string, { train: number; test: number }>; dropped: Record<string, Record<string, number>> };
  const rel = await s.rows<{ name: string; version: string; window_label: string | null; conversations: bigint }>('SELECT * FROM releases');
  assert.deepEqual(rel.map((r) => [r.name, r.version, r.window_label]), [['feedback', summary.version, null]]);
  const y = await s.rows<{ builder: string; stage: string; n: bigint; built: bigint }>('SELECT builder, stage, n, built FROM v_pair_yield');
  const n = (b: string, st: string) => Number(y.find((r) => r.builder === b && r.stage === st)?.n ?? -1);
  for (const b of ['drift', 'revision', 'ranked', 'kto']) {
    assert.equal(n(b, 'train'), manifest.counts[b].train, `${b} train`);
    assert.equal(n(b, 'test'), manifest.counts[b].test, `${b} test`);
    for (const [filter, per] of Object.entries(manifest.dropped)) assert.equal(n(b, filter), per[b] ?? 0, `${b} ${filter}`);
  }
  assert.ok(y.some((r) => r.stage === 'min_confidence' && Number(r.n) > 0), 'the filters dropped something on this data');
  // Rebuilding the same release replaces its rows instead of adding more.
  await buildFromStore(s, dir, 'feedback', resolveConfig(undefined));
  assert.equal(Number((await s.rows<{ c: bigint }>('SELECT count(*) c FROM releases'))[0].c), 1);
  assert.equal(Number((await s.rows<{ c: bigint }>('SELECT count(*) c FROM release_stats'))[0].c), y.length);
  s.close();
  rmSync(dir, { recursive: true, force: true });
});
