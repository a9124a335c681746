// End-to-end tests of the CLI as a user runs it: mine, re-mine, sql (read-only), help and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'fm-cli-'));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'src/cli.ts'), ...args], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const conv = (id: string, reaction: string) => ({
  id,
  model: 'policy-a',
  user: `user-${id}`,
  messages: [
    { role: 'user', content: 'How do I reverse a list in Python?' },
    { role: 'assistant', content: 'Use list.sort() to reverse it.' },
    { role: 'user', content: reaction },
    { role: 'assistant', content: 'Use reversed(xs) or xs[::-1].', feedback: [{ kind: 'love', ts: '2026-11-20T10:00:00Z' }] },
    { role: 'user', content: 'Thanks, that works perfectly!' },
  ],
});

const input = join(work, 'chats.jsonl');
writeFileSync(
  input,
  [
    JSON.stringify(conv('a', "That's wrong, sort() doesn't reverse anything.")),
    '{"id": "broken", "messages": [',
    JSON.stringify(conv('b', 'No, that is incorrect.')),
    JSON.stringify({ id: 'c', messages: [{ role: 'alien', content: 'x' }] }),
  ].join('\n') + '\n',
);

const DUMP = `SELECT
  (SELECT to_json(list(t ORDER BY message_id))::VARCHAR FROM turns t) AS turns,
  (SELECT to_json(list(f ORDER BY event_id))::VARCHAR FROM feedback_events f) AS events,
  (SELECT to_json(list(s ORDER BY message_id, detector, detector_version))::VARCHAR FROM signals s) AS signals,
  (SELECT to_json(list(v ORDER BY message_id))::VARCHAR FROM verdicts v) AS verdicts,
  (SELECT to_json(list(r ORDER BY file, line, field))::VARCHAR FROM rejects r) AS rejects`;

test('mine stores, judges, builds and reports; re-mining leaves identical tables', () => {
  const first = cli(['mine', input, '--json', '--out', join(work, 'out')], { FEEDBACK_MINER_SALT: 's' });
  assert.equal(first.code, 0, first.stderr);
  const s = JSON.parse(first.stdout);
  assert.equal(s.ingest.turnsInserted, 10);
  assert.equal(s.ingest.rejected, 2);
  assert.ok(existsSync(s.ingest.rejectsFile));
  const rejects = readFileSync(s.ingest.rejectsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rejects.map((r) => [r.line, r.field]), [[2, '(json)'], [4, 'messages[0].role']]);
  assert.equal(s.detect.assistantTurns, 4);
  assert.ok((s.detect.byLabel.dsat ?? 0) >= 2, JSON.stringify(s.detect));
  assert.ok(s.release && existsSync(s.release.path), 'release written');

  const before = cli(['sql', DUMP, '--format', 'json']);
  assert.equal(before.code, 0, before.stderr);
  const again = cli(['mine', input, '--json', '--out', join(work, 'out')], { FEEDBACK_MINER_SALT: 's' });
  assert.equal(again.code, 0, again.stderr);
  const s2 = JSON.parse(again.stdout);
  assert.equal(s2.ingest.turnsInserted, 0);
  assert.equal(s2.ingest.replays, 12);
  const after = cli(['sql', DUMP, '--format', 'json']);
  assert.equal(after.stdout, before.stdout);
});

test('sql answers queries on the store the mine job wrote, as table, csv and json', () => {
  const table = cli(['sql', "SELECT role, count(*) AS n FROM turns GROUP BY role ORDER BY role"]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /assistant\s*\|\s*4/);
  const csv = cli(['sql', '--format', 'csv', 'SELECT count(*) AS n FROM turns']);
  assert.equal(csv.stdout, 'n\n10\n');
  const json = cli(['sql', '--format', 'json', "SELECT label FROM verdicts WHERE message_id = 'a:1'"]);
  assert.deepEqual(JSON.parse(json.stdout), [{ label: 'dsat' }]);
});

test('sql refuses statements that write, with a clear message and exit code 4', () => {
  for (const q of ['DELETE FROM turns', "INSERT INTO meta VALUES ('k', 'v')", 'DROP TABLE turns', 'CREATE TABLE x (a INT)', "COPY turns TO 'x.csv'", 'SELECT 1; DELETE FROM turns']) {
    const r = cli(['sql', q]);
    assert.equal(r.code, 4, `${q}: ${r.stderr}`);
    assert.match(r.stderr, /read-only/);
  }
  const count = cli(['sql', '--format', 'csv', 'SELECT count(*) AS n FROM turns']);
  assert.equal(count.stdout, 'n\n10\n');
});

test('help, usage errors and a missing store give clear exits', () => {
  const help = cli(['mine', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--db <path>/);
  assert.match(help.stdout, /default/);
  assert.equal(cli(['no-such-command']).code, 2);
  const missing = cli(['sql', 'SELECT 1', '--db', join(work, 'nope.duckdb')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /does not exist/);
});

test('build --chosen-from fills DRIFT chosen answers from an OpenAI-compatible endpoint (local server)', async () => {
  const seen: { auth?: string; model?: string }[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      seen.push({ auth: req.headers.authorization, model: body.model });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'Use reversed(xs) or xs[::-1].' }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const db = join(work, 'chosen.duckdb');
    assert.equal(cli(['mine', input, '--db', db, '--no-build', '--out', join(work, 'out-chosen')]).code, 0);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    // Async spawn: the server answers from this process's event loop.
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'src/cli.ts'), 'build', '--db', db, '--out', join(work, 'rel-chosen'),
      '--chosen-from', url, '--chosen-model', 'policy-x', '--json'], { cwd: work, env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', FEEDBACK_MINER_CHOSEN_API_KEY: 'sk-test' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0, stderr);
    const s = JSON.parse(stdout);
    assert.ok(s.chosenFill.requested >= 1 && s.chosenFill.filled === s.chosenFill.requested, JSON.stringify(s.chosenFill));
    assert.equal(seen.length, s.chosenFill.requested);
    assert.ok(seen.every((x) => x.auth === 'Bearer sk-test' && x.model === 'policy-x'));
    const pairs = ['train', 'test'].flatMap((split) => {
      const f = join(s.path, 'drift_pairs', 'trl', `${split}.jsonl`);
      return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
    });
    assert.equal(pairs.length, s.chosenFill.filled);
    for (const p of pairs) {
      assert.deepEqual(p.chosen, [{ role: 'assistant', content: 'Use reversed(xs) or xs[::-1].' }]);
      assert.equal(p.rejected[0].content, 'Use list.sort() to reverse it.');
    }
    // Without a model name the flag is refused before anything runs.
    const bad = cli(['build', '--db', db, '--chosen-from', url]);
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /--chosen-model/);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
