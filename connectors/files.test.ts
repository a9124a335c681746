import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileRecords, expandInputs } from './files.js';
import type { IngestRecord, Reject } from '../src/model.js';

const dir = mkdtempSync(join(tmpdir(), 'fm-files-'));

async function readAll(file: string, opts = {}) {
  const records: IngestRecord[] = [];
  const rejects: Reject[] = [];
  for await (const b of readFileRecords(file, opts)) {
    records.push(...b.records);
    rejects.push(...b.rejects);
  }
  return { records, rejects, turns: records.filter((r) => r.type === 'turn').map((r) => (r as Extract<IngestRecord, { type: 'turn' }>).turn) };
}

const write = (name: string, lines: unknown[]) => {
  const p = join(dir, name);
  writeFileSync(p, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return p;
};

const nativeTurn = (i: number, extra: Record<string, unknown> = {}) => ({
  type: 'turn',
  conversation_id: 'c1',
  turn_index: i,
  message_id: `m${i}`,
  role: i % 2 ? 'assistant' : 'user',
  content: `message ${i}`,
  ts: `2026-11-20T10:00:0${i}Z`,
  policy_version: 'p1',
  user_key: 'alice',
  ...extra,
});

test('native layout: turns and feedback events', async () => {
  const p = write('native.jsonl', [nativeTurn(0), nativeTurn(1), { type: 'feedback', event_id: 'e1', message_id: 'm1', kind: 'Love', value: 1, ts: '2026-11-20T10:01:00Z', user_key: 'alice' }]);
  const { records, rejects } = await readAll(p);
  assert.equal(rejects.length, 0);
  assert.equal(records.length, 3);
  const fb = records[2];
  assert.equal(fb.type, 'feedback');
  if (fb.type === 'feedback') assert.equal(fb.event.kind, 'love');
  assert.deepEqual(records[0].origin, { file: p, line: 1 });
});

test('OpenAI messages layout with content parts and inline feedback', async () => {
  const p = write('openai.jsonl', [
    { id: 'conv-a', model: 'gpt-x', user: 'bob', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }, { role: 'assistant', content: 'hello', feedback: [{ kind: 'thumbs_up' }] }] },
  ]);
  const { records, turns, rejects } = await readAll(p);
  assert.equal(rejects.length, 0);
  assert.deepEqual(turns.map((t) => [t.role, t.content, t.turn_index]), [['system', 'be brief', 0], ['user', 'hi', 1], ['assistant', 'hello', 2]]);
  assert.equal(turns[2].policy_version, 'gpt-x');
  assert.equal(turns[2].message_id, 'conv-a:2');
  assert.equal(records.filter((r) => r.type === 'feedback').length, 1);
});

test('WildChat layout, gzip compressed', async () => {
  const p = join(dir, 'wild.jsonl.gz');
  writeFileSync(p, gzipSync(JSON.stringify({ conversation_hash: 'h1', model: 'gpt-4', hashed_ip: 'ip1', conversation: [{ role: 'user', content: 'q', timestamp: '2026-01-01T00:00:00Z' }, { role: 'assistant', content: 'a' }] }) + '\n'));
  const { turns, rejects } = await readAll(p);
  assert.equal(rejects.length, 0);
  assert.equal(turns.length, 2);
  assert.equal(turns[0].conversation_id, 'h1');
  assert.equal(turns[0].ts, '2026-01-01T00:00:00.000Z');
  assert.equal(turns[1].policy_version, 'gpt-4');
});

test('ShareGPT layout maps from/value to roles', async () => {
  const p = write('sharegpt.jsonl', [{ id: 's1', conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }] }]);
  const { turns } = await readAll(p);
  assert.deepEqual(turns.map((t) => t.role), ['user', 'assistant']);
});

test('labelled layout keeps gold labels in metadata', async () => {
  const p = write('labelled.jsonl', [{ id: 'uss-1', source: 'uss/X', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', label: 'dsat' }, { role: 'user', content: 'wrong' }] }]);
  const { turns } = await readAll(p);
  assert.equal(turns[1].metadata.label, 'dsat');
  assert.equal(turns[1].metadata.source, 'uss/X');
});

test('Parquet input (OpenAI layout written by DuckDB)', async () => {
  const p = join(dir, 'chats.parquet');
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  await c.run(`COPY (SELECT 'pq-' || i AS id, [struct_pack(role := 'user', content := 'question ' || i), struct_pack(role := 'assistant', content := 'answer ' || i)] AS messages FROM range(3) r(i)) TO '${p}' (FORMAT parquet)`);
  c.closeSync();
  inst.closeSync();
  const { turns, rejects } = await readAll(p);
  assert.equal(rejects.length, 0);
  assert.equal(turns.length, 6);
  assert.equal(turns[3].content, 'answer 1');
  assert.equal(turns[3].conversation_id, 'pq-1');
});

test('--format forces a layout', async () => {
  const p = write('forced.jsonl', [{ id: 'x', conversations: [{ from: 'human', value: 'q' }] }]);
  const { rejects } = await readAll(p, { format: 'openai' });
  assert.equal(rejects.length, 1);
  assert.equal(rejects[0].field, 'messages');
});

test('bad input: each case is rejected with file, line and field; good records around it survive', async () => {
  const big = 'x'.repeat(10 * 1024 * 1024);
  const p = write('bad.jsonl', [
    nativeTurn(0), // line 1 ok
    '{"type":"turn", "conversation_id": "c1", ', // 2 invalid JSON
    { ...nativeTurn(1), role: 'wizard' }, // 3 unknown role
    (() => { const t: Record<string, unknown> = nativeTurn(2); delete t.message_id; return t; })(), // 4 missing field
    { ...nativeTurn(3), turn_index: 'three' }, // 5 mistyped field
    { ...nativeTurn(4), content: '   ' }, // 6 empty content
    { ...nativeTurn(5), content: big }, // 7 10 MB content
    nativeTurn(6), // 8 ok
    { type: 'feedback', event_id: 'e1', kind: 'love' }, // 9 feedback missing message_id
  ]);
  const { turns, rejects } = await readAll(p);
  assert.deepEqual(turns.map((t) => t.message_id), ['m0', 'm6']);
  const byLine = Object.fromEntries(rejects.map((r) => [r.line, r]));
  assert.equal(byLine[2].field, '(json)');
  assert.match(byLine[2].reason, /invalid JSON/);
  assert.equal(byLine[3].field, 'role');
  assert.equal(byLine[4].field, 'message_id');
  assert.equal(byLine[4].reason, 'missing');
  assert.equal(byLine[5].field, 'turn_index');
  assert.equal(byLine[6].field, 'content');
  assert.match(byLine[6].reason, /empty/);
  assert.equal(byLine[7].field, 'content');
  assert.match(byLine[7].reason, /larger than/);
  assert.equal(byLine[9].field, 'message_id');
  for (const r of rejects) assert.equal(r.file, p);
});

test('bad input inside a conversation record names the message field', async () => {
  const p = write('badconv.jsonl', [
    { id: 'ok', messages: [{ role: 'user', content: 'a' }] },
    { id: 'bad', messages: [{ role: 'user', content: 'a' }, { role: 'robot', content: 'b' }] },
  ]);
  const { turns, rejects } = await readAll(p);
  assert.equal(turns.length, 1);
  assert.deepEqual([rejects[0].line, rejects[0].field], [2, 'messages[1].role']);
});

test('truncated gzip: lines before the cut are kept, the cut is reported', async () => {
  const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ ...nativeTurn(i), conversation_id: `c${i}`, message_id: `m${i}`, ts: null, content: `some text ${i} `.repeat(20) }));
  const full = gzipSync(lines.join('\n') + '\n');
  const p = join(dir, 'cut.jsonl.gz');
  writeFileSync(p, full.subarray(0, Math.floor(full.length / 2)));
  const { turns, rejects } = await readAll(p);
  assert.ok(turns.length > 100 && turns.length < 2000, `kept ${turns.length}`);
  assert.equal(rejects.length, 1);
  assert.equal(rejects[0].field, '(file)');
  assert.match(rejects[0].reason, /gzip/);
  assert.equal(rejects[0].line, turns.length + 1);
});

test('expandInputs walks directories in sorted order and skips unrelated files', () => {
  const sub = mkdtempSync(join(dir, 'in-'));
  writeFileSync(join(sub, 'b.jsonl'), '');
  writeFileSync(join(sub, 'a.jsonl.gz'), '');
  writeFileSync(join(sub, 'notes.txt'), '');
  assert.deepEqual(expandInputs([sub]).map((f) => f.slice(sub.length + 1)), ['a.jsonl.gz', 'b.jsonl']);
  assert.throws(() => expandInputs([join(sub, 'missing.jsonl')]), /no such file/);
  assert.ok(readFileSync(join(sub, 'b.jsonl')).length === 0);
});
