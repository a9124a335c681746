import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './store.js';
import type { IngestRecord } from './model.js';

const dir = mkdtempSync(join(tmpdir(), 'fm-store-'));
let n = 0;
const freshStore = () => Store.open(join(dir, `s${n++}.duckdb`), { salt: 'test-salt' });

const turn = (conv: string, idx: number, content = `text ${conv} ${idx}`, id = `${conv}-m${idx}`, line = idx + 1): IngestRecord => ({
  type: 'turn',
  origin: { file: 'in.jsonl', line },
  turn: {
    conversation_id: conv,
    turn_index: idx,
    message_id: id,
    role: idx % 2 ? 'assistant' : 'user',
    content,
    ts: new Date(Date.UTC(2026, 10, 20, 10, 0, idx)).toISOString(),
    policy_version: 'p1',
    user_key: 'alice@example.com',
    metadata: {},
  },
});

async function ingest(store: Store, records: IngestRecord[]) {
  return store.transaction(async () => {
    const s = await store.beginIngest();
    s.add(records);
    return s.merge();
  });
}

async function dump(store: Store) {
  return {
    turns: await store.rows('SELECT * EXCLUDE (metadata), metadata::VARCHAR m FROM turns ORDER BY message_id'),
    events: await store.rows('SELECT * EXCLUDE (metadata) FROM feedback_events ORDER BY event_id'),
    rejects: await store.rows('SELECT * FROM rejects ORDER BY file, line'),
  };
}

test('migrations are numbered and applied once', async () => {
  const store = await freshStore();
  const rows = await store.rows<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
  assert.ok(rows.length >= 2);
  assert.equal(rows[0].name, '001_init.sql');
  assert.deepEqual(await store.migrate(), []);
  store.close();
});

test('re-ingesting the same records is a silent replay and leaves identical tables', async () => {
  const store = await freshStore();
  const records = [turn('c1', 0), turn('c1', 1), { type: 'feedback', origin: { file: 'in.jsonl', line: 3 }, event: { event_id: 'e1', message_id: 'c1-m1', kind: 'love', value: 1, ts: null, user_key: 'alice@example.com', metadata: {} } } as IngestRecord];
  const first = await ingest(store, records);
  assert.equal(first.turnsInserted, 2);
  assert.equal(first.eventsInserted, 1);
  const before = await dump(store);
  const second = await ingest(store, records);
  assert.deepEqual([second.turnsInserted, second.eventsInserted, second.replays, second.rejects.length], [0, 0, 3, 0]);
  assert.deepEqual(await dump(store), before);
  store.close();
});

test('duplicate ids in the input: first wins, the rest are rejected with their line', async () => {
  const store = await freshStore();
  const r = await ingest(store, [turn('c1', 0, 'a', 'dup', 1), turn('c2', 0, 'b', 'dup', 7)]);
  assert.equal(r.turnsInserted, 1);
  assert.equal(r.rejects.length, 1);
  assert.deepEqual([r.rejects[0].line, r.rejects[0].field], [7, 'message_id']);
  assert.match(r.rejects[0].reason, /duplicate message_id in input \(first at in.jsonl:1\)/);
  const stored = await store.rows('SELECT count(*)::INT n FROM rejects');
  assert.equal(stored[0].n, 1);
  store.close();
});

test('an id stored earlier with different content, or a taken turn position, is rejected', async () => {
  const store = await freshStore();
  await ingest(store, [turn('c1', 0), turn('c1', 1)]);
  const r = await ingest(store, [turn('c1', 1, 'changed text'), turn('c1', 0, 'other', 'c1-other')]);
  assert.equal(r.turnsInserted, 0);
  assert.deepEqual(r.rejects.map((x) => x.field).sort(), ['message_id', 'turn_index']);
  store.close();
});

test('out-of-order and late turns are merged in turn order', async () => {
  const store = await freshStore();
  await ingest(store, [turn('c1', 2), turn('c1', 0)]);
  const late = await ingest(store, [turn('c1', 3), turn('c1', 1)]);
  assert.equal(late.touchedConversations, 1);
  const convs = [];
  for await (const c of store.conversations('all')) convs.push(c);
  assert.equal(convs.length, 1);
  assert.deepEqual(convs[0].turns.map((t) => t.turnIndex), [0, 1, 2, 3]);
  store.close();
});

test('user keys are stored only as salted hashes', async () => {
  const store = await freshStore();
  await ingest(store, [turn('c1', 0)]);
  const rows = await store.rows<{ user_hash: string }>('SELECT user_hash FROM turns');
  assert.equal(rows[0].user_hash.length, 32);
  const leaked = await store.rows<{ n: number }>("SELECT count(*)::INT n FROM turns WHERE user_hash LIKE '%alice%' OR metadata::VARCHAR LIKE '%alice%'");
  assert.equal(leaked[0].n, 0);
  store.close();
});

test('a failure inside the transaction leaves nothing half-written', async () => {
  const store = await freshStore();
  await assert.rejects(
    store.transaction(async () => {
      const s = await store.beginIngest();
      s.add([turn('c9', 0), turn('c9', 1)]);
      await s.merge();
      throw new Error('crash after merge');
    }),
    /crash after merge/,
  );
  const rows = await store.rows<{ n: number }>('SELECT count(*)::INT n FROM turns');
  assert.equal(rows[0].n, 0);
  store.close();
});

test('conversations() streams feedback attached to its message, across pages', async () => {
  const store = await freshStore();
  const recs: IngestRecord[] = [];
  for (let c = 0; c < 25; c++) recs.push(turn(`k${String(c).padStart(2, '0')}`, 0), turn(`k${String(c).padStart(2, '0')}`, 1));
  recs.push({ type: 'feedback', origin: { file: 'x', line: 1 }, event: { event_id: 'e9', message_id: 'k07-m1', kind: 'thumbs_down', value: null, ts: '2026-11-20T10:00:05.000Z', user_key: null, metadata: {} } });
  await ingest(store, recs);
  const seen: string[] = [];
  let fb = 0;
  for await (const c of store.conversations('all', 4)) {
    seen.push(c.conversationId);
    for (const [mid, evs] of c.feedback) {
      assert.equal(mid, 'k07-m1');
      assert.equal(evs[0].kind, 'thumbs_down');
      assert.equal(evs[0].ts, '2026-11-20T10:00:05.000Z');
      fb++;
    }
  }
  assert.equal(seen.length, 25);
  assert.deepEqual(seen, [...seen].sort());
  assert.equal(fb, 1);
  store.close();
});
