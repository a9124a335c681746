// Daemon pieces that need no broker: message validation, the co-partition plan, option resolution, producer routing,
// and a partition store's batch transaction and lake segments (real DuckDB files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { validateMessage } from './daemon.js';
import { coPartitionPlan } from './assigner.js';
import { resolveDaemonConfig } from './config.js';
import { linesToRecords } from './produce.js';
import { PartitionState } from './partition.js';
import { runLakeSql } from './lake.js';
import { MinerError } from '../errors.js';
import type { IngestRecord } from '../model.js';
import { Store } from '../store.js';
import { detectStored } from '../pipeline.js';
import { generateLines } from '../generator.js';

const msg = (offset: number, value: string | null): KafkaMessage =>
  ({ offset: String(offset), value: value === null ? null : Buffer.from(value), key: null, timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage;

test('validateMessage: the same validation as the file path, rejects name the field and point at the offset', () => {
  const ok = validateMessage(msg(7, JSON.stringify({ type: 'turn', conversation_id: 'c', turn_index: 0, message_id: 'm', role: 'user', content: 'hi' })), 'fm.turns', 2);
  assert.equal(ok.reject, null);
  assert.equal(ok.records.length, 1);
  assert.deepEqual(ok.records[0].origin, { file: 'kafka:fm.turns/2', line: 7 });
  const bad = validateMessage(msg(8, JSON.stringify({ type: 'turn', conversation_id: 'c', turn_index: 0, message_id: 'm', role: 'robot', content: 'hi' })), 'fm.turns', 2);
  assert.equal(bad.reject?.field, 'role');
  assert.equal(bad.reject?.line, 8);
  assert.equal(validateMessage(msg(9, '{"a":'), 't', 0).reject?.field, '(value)');
  assert.match(validateMessage(msg(9, '{"a":'), 't', 0).reject!.reason, /invalid JSON/);
  assert.equal(validateMessage(msg(10, null), 't', 0).reject?.reason, 'empty message');
  assert.equal(validateMessage(msg(11, '{"x":1}'), 't', 0).reject?.field, '(record)');
  // A whole conversation (OpenAI layout) is one message with several turns.
  const conv = validateMessage(msg(12, JSON.stringify({ id: 'c9', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] })), 't', 0);
  assert.equal(conv.records.length, 2);
});

test('coPartitionPlan: each member gets the same partition numbers on every topic, all partitions assigned once', () => {
  const plan = coPartitionPlan(['m-b', 'm-a', 'm-c'], { turns: [0, 1, 2, 3, 4, 5, 6], feedback: [0, 1, 2, 3, 4, 5, 6] });
  const owned = [...plan.values()].map((a) => a.turns ?? []);
  for (const a of plan.values()) assert.deepEqual(a.turns, a.feedback);
  assert.deepEqual(owned.flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(plan.get('m-a')!.turns, [0, 3, 6]);
  // More members than partitions: the extra member idles.
  const idle = coPartitionPlan(['a', 'b', 'c'], { t: [0, 1], f: [0, 1] });
  assert.deepEqual(idle.get('c'), {});
});

test('resolveDaemonConfig: file < environment < flags, validated once with the offending field named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fm-dcfg-'));
  try {
    const file = join(dir, 'daemon.json');
    writeFileSync(file, JSON.stringify({ kafka: { brokers: 'file:9092', topics: { turns: 'file.turns' } }, stateDir: '/tmp/s', groupId: 'file-group' }));
    const c = resolveDaemonConfig({ config: file, groupId: 'flag-group' }, { FEEDBACK_MINER_KAFKA_BROKERS: 'env:9092,env2:9092', FEEDBACK_MINER_METRICS_PORT: '0' });
    assert.deepEqual(c.kafka.brokers, ['env:9092', 'env2:9092']);
    assert.equal(c.kafka.topics.turns, 'file.turns');
    assert.equal(c.groupId, 'flag-group');
    assert.deepEqual(c.metrics, { host: '127.0.0.1', port: 0 }, 'probes bind to loopback unless configured');
    assert.equal(resolveDaemonConfig({ config: file, noMetrics: true }, {}).metrics, undefined);
    assert.throws(
      () => resolveDaemonConfig({ brokers: 'nohost', stateDir: '/tmp/s' }, {}),
      (e: unknown) => e instanceof MinerError && e.code === 'BAD_CONFIG' && /kafka\.brokers\.0: expected host:port/.test(e.message),
    );
    assert.throws(() => resolveDaemonConfig({ brokers: 'h:1' }, {}), /stateDir/);
    assert.throws(() => resolveDaemonConfig({ brokers: 'h:1', stateDir: 's', turnsTopic: 'bad topic' }, {}), /kafka\.topics\.turns/);
    assert.throws(() => resolveDaemonConfig({ brokers: 'h:1', stateDir: 's', maxOpenConversations: 10 }, {}), /need lakeDir/);
    // With a lake the open state is bounded by default; without one nothing can be pruned.
    assert.equal(resolveDaemonConfig({ brokers: 'h:1', stateDir: 's', lakeDir: 'l' }, {}).maxOpenConversations, 100_000);
    assert.equal(resolveDaemonConfig({ brokers: 'h:1', stateDir: 's', lakeDir: 'l', maxOpenConversations: 7 }, {}).maxOpenConversations, 7);
    assert.equal(resolveDaemonConfig({ brokers: 'h:1', stateDir: 's' }, {}).maxOpenConversations, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('linesToRecords: feedback keyed by its message\'s conversation, garbage still sent to the turns topic', async () => {
  const topics = { turns: 'T', feedback: 'F', deadLetter: 'D' };
  const lines = [
    JSON.stringify({ type: 'turn', conversation_id: 'c1', message_id: 'm1', turn_index: 0, role: 'assistant', content: 'x' }),
    JSON.stringify({ type: 'feedback', event_id: 'e1', message_id: 'm1', kind: 'love' }),
    'not json',
    '',
  ];
  const out = [];
  for await (const r of linesToRecords(lines, topics)) out.push([r.topic, r.key]);
  assert.deepEqual(out, [['T', 'c1'], ['F', 'c1'], ['T', 'line-3']]);
});

function turn(conv: string, i: number, role: 'user' | 'assistant', content: string, offset: number): IngestRecord {
  return {
    type: 'turn',
    turn: { conversation_id: conv, turn_index: i, message_id: `${conv}-${i}`, role, content, ts: null, policy_version: null, user_key: null, metadata: {} },
    origin: { file: 'kafka:T/0', line: offset },
  };
}

test('PartitionState: offsets stored with the data; a replayed batch changes nothing; segments are rewritten, not duplicated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fm-part-'));
  try {
    const topics = { turns: 'T', feedback: 'F' };
    let s = await PartitionState.open(dir, 0, topics, { threads: 1, waitMs: 0 });
    const batch1 = [turn('c', 0, 'user', 'how do I sort a list in python?', 0), turn('c', 1, 'assistant', 'Use sorted(xs).', 1)];
    await s.applyBatch({ topic: 'T', nextOffset: 2n, records: batch1, rejects: [] }, undefined, async () => {});
    assert.deepEqual([...(await s.nextOffsets())], [['T', 2n]]);
    // The follow-up re-judges the assistant turn: still one verdict.
    const r = await s.applyBatch({ topic: 'T', nextOffset: 3n, records: [turn('c', 2, 'user', 'that is wrong, it does not work', 2)], rejects: [] }, undefined, async () => {});
    assert.equal(r.assistantTurnsJudged, 1);
    assert.ok((await s.memoryBytes()) > 0, 'DuckDB accounts some memory to a store with data');
    // A replay of the first batch (as after a crash before the Kafka commit) stores nothing new.
    const replay = await s.applyBatch({ topic: 'T', nextOffset: 3n, records: batch1, rejects: [] }, undefined, async () => {});
    assert.deepEqual([replay.turnsInserted, replay.replays], [0, 2]);
    assert.deepEqual(await s.store.rows('SELECT count(*)::INT AS n FROM verdicts'), [{ n: 1 }]);
    // A failing beforeCommit (dead-letter publish) rolls everything back, offset included.
    await assert.rejects(
      s.applyBatch({ topic: 'T', nextOffset: 4n, records: [turn('c', 3, 'assistant', 'Sorry: sorted(xs) returns a new list.', 3)], rejects: [] }, undefined, async () => {
        throw new Error('dlq down');
      }),
      /dlq down/,
    );
    assert.deepEqual([...(await s.nextOffsets())], [['T', 3n]]);
    assert.deepEqual(await s.store.rows('SELECT count(*)::INT AS n FROM turns'), [{ n: 3 }]);

    const lake = join(dir, 'lake');
    const seg = await s.exportSegment(lake);
    assert.equal(seg?.seq, 0);
    assert.ok(seg!.rows >= 3 + 1, 'turns and the verdict (and any signals)');
    assert.equal(await s.exportSegment(lake), null, 'nothing new, no segment');
    // Crash after the files were renamed but before the segment row: the next export rewrites seq 0 (a superset).
    await s.store.run('DELETE FROM lake_segments');
    await s.applyBatch({ topic: 'T', nextOffset: 4n, records: [turn('c', 3, 'assistant', 'Sorry: sorted(xs) returns a new list.', 3)], rejects: [] }, undefined, async () => {});
    const again = await s.exportSegment(lake);
    assert.equal(again?.seq, 0);
    assert.deepEqual(readdirSync(join(lake, 'turns', 'partition=0')), ['seg-0000000000.parquet']);
    s.close();
    s = await PartitionState.open(dir, 0, topics, { threads: 1, waitMs: 0 });
    assert.deepEqual([...(await s.nextOffsets())], [['T', 4n]], 'offsets survive a reopen');
    s.close();
    const v = await runLakeSql(lake, 'SELECT (SELECT count(*) FROM turns), (SELECT count(*) FROM verdicts), (SELECT count(DISTINCT "partition") FROM turns)');
    assert.deepEqual(v.rows[0], [4, 2, 1]);
    await assert.rejects(runLakeSql(lake, 'CREATE TABLE x (a INT)'), (e: unknown) => e instanceof MinerError && e.code === 'READ_ONLY');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PartitionState.prune: bounds open conversations by idle time and count, only once the lake holds them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fm-prune-'));
  try {
    const s = await PartitionState.open(dir, 0, { turns: 'T', feedback: 'F' }, { threads: 1, waitMs: 0 });
    const at = (r: IngestRecord, ts: string): IngestRecord => (r.type === 'turn' ? { ...r, turn: { ...r.turn, ts } } : r);
    const records = [
      at(turn('old', 0, 'user', 'hello there', 0), '2026-11-20T00:00:00.000Z'),
      at(turn('old', 1, 'assistant', 'Hi! How can I help?', 1), '2026-11-20T00:00:05.000Z'),
      at(turn('mid', 0, 'user', 'what is 2+2', 2), '2026-11-20T05:00:00.000Z'),
      at(turn('new', 0, 'user', 'tell me a joke', 3), '2026-11-20T10:00:00.000Z'),
    ];
    await s.applyBatch({ topic: 'T', nextOffset: 4n, records, rejects: [] }, undefined, async () => {});
    assert.equal(await s.prune({ idleMs: 3_600_000 }), 0, 'nothing is pruned before the lake has it');
    await s.exportSegment(join(dir, 'lake'));
    assert.equal(await s.prune({ idleMs: 6 * 3_600_000 }), 1, 'idle more than 6 h behind the newest turn: old');
    assert.deepEqual(await s.store.rows('SELECT DISTINCT conversation_id FROM turns ORDER BY 1'), [{ conversation_id: 'mid' }, { conversation_id: 'new' }]);
    assert.deepEqual(await s.store.rows('SELECT count(*)::INT AS n FROM verdicts'), [{ n: 0 }]);
    assert.equal(await s.prune({ maxConversations: 1 }), 1, 'count bound: the least recently active goes');
    assert.deepEqual(await s.store.rows('SELECT DISTINCT conversation_id FROM turns'), [{ conversation_id: 'new' }]);
    s.close();
    const lake = await runLakeSql(join(dir, 'lake'), 'SELECT count(DISTINCT conversation_id) FROM turns');
    assert.deepEqual(lake.rows[0], [3], 'the lake keeps what the store pruned');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('incremental judging in batches gives the same signals and verdicts as the batch path (detectStored) on the whole store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fm-equiv-'));
  try {
    const lines = [...generateLines({ seed: 3, conversations: 120 })];
    const records = lines.flatMap((l, i) => validateMessage(msg(i, l), 'T', 0).records);
    const s = await PartitionState.open(dir, 0, { turns: 'T', feedback: 'F' }, { threads: 1, waitMs: 0 });
    for (let i = 0; i < records.length; i += 97) {
      await s.applyBatch({ topic: 'T', nextOffset: BigInt(i + 97), records: records.slice(i, i + 97), rejects: [] }, undefined, async () => {});
    }
    const batch = await Store.open(':memory:', { salt: 'x' });
    const session = await batch.beginIngest();
    session.add(records);
    await session.merge();
    await detectStored(batch, 'all');
    const q = (t: string) =>
      t === 'verdicts'
        ? 'SELECT message_id, label, round(dsat_score, 9) AS d, categories, agreed FROM verdicts ORDER BY ALL'
        : 'SELECT message_id, detector, detector_version, label, ambiguous, category, round(score, 9) AS sc FROM signals ORDER BY ALL';
    for (const table of ['verdicts', 'signals']) {
      const streamed = await s.store.rows(q(table));
      assert.ok(streamed.length > 100, `${table}: ${streamed.length} rows`);
      assert.deepEqual(streamed, await batch.rows(q(table)), `${table} differ`);
    }
    s.close();
    batch.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
