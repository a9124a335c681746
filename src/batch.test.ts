// The nightly batch job on the bundled example logs: windows, resumable units, SIGKILL mid-run, backfilled
// detector versions, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Store } from './store.js';
import { ingestFiles, RejectsWriter } from './pipeline.js';
import { BATCH_EXIT, parseWindow, runBatch, type HeavyPlan } from './batch.js';
import { saveLoveModel, trainLoveModel } from './plove/train.js';
import type { NamedSignal } from '../detectors/types.js';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'fm-batch-'));
const DAY = '2026-11-20';
const SALT = 'batch-test-salt';

// One ingested store, copied for each test (copies share the salt, so user hashes and releases match).
const baseDb = join(work, 'base.duckdb');
const ready = (async () => {
  const store = await Store.open(baseDb, { salt: SALT });
  await store.transaction(() => ingestFiles(store, [join(root, 'examples/logs')], new RejectsWriter(null)));
  store.close();
  // A small P[Love] model: concrete, working answers get Loved, refusals do not.
  const examples = Array.from({ length: 200 }, (_, i) => ({
    context: 'Can you help me?',
    response: i % 2 ? 'Here are the exact steps, tested and working.' : "Sorry, I can't help with that.",
    label: (i % 2) as 0 | 1,
  }));
  await saveLoveModel(await trainLoveModel(examples, { features: { dim: 1 << 10, version: 't' } }), join(work, 'plove.onnx'));
})();

function storeCopy(name: string): string {
  const p = join(work, `${name}.duckdb`);
  copyFileSync(baseDb, p);
  return p;
}

function cliArgs(args: string[]) {
  return ['--import', import.meta.resolve('tsx'), join(root, 'src/cli.ts'), ...args];
}
const env = { ...process.env, DOTENV_CONFIG_QUIET: 'true', FEEDBACK_MINER_SALT: SALT };

function cli(args: string[]) {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: work, encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

test('windows: --date is one UTC day; --since/--until is half-open; bad combinations name the flag', () => {
  const d = parseWindow({ date: '2026-11-20' });
  assert.equal(d.label, '2026-11-20');
  assert.equal(d.since.toISOString(), '2026-11-20T00:00:00.000Z');
  assert.equal(d.until.toISOString(), '2026-11-21T00:00:00.000Z');
  assert.equal(parseWindow({ since: '2026-11-20', until: '2026-11-21' }).label, '2026-11-20');
  assert.equal(parseWindow({ since: '2026-11-20T06:00:00Z', until: '2026-11-20T12:00:00Z' }).label, '2026-11-20T06:00:00Z..2026-11-20T12:00:00Z');
  assert.throws(() => parseWindow({}), /--date YYYY-MM-DD, or both --since and --until/);
  assert.throws(() => parseWindow({ date: '20-11-2026' }), /--date "20-11-2026"/);
  assert.throws(() => parseWindow({ date: '2026-11-20', since: '2026-11-19' }), /not both/);
  assert.throws(() => parseWindow({ since: '2026-11-21', until: '2026-11-20' }), /must be after/);
  assert.throws(() => parseWindow({ since: 'yesterday', until: '2026-11-20' }), /--since "yesterday"/);
});

test('SIGKILL mid-run: the rerun skips finished units and writes the same release, byte for byte', async () => {
  await ready;
  const args = (db: string, out: string) => ['batch', '--date', DAY, '--db', db, '--out', out, '--plove-model', join(work, 'plove.onnx'), '--chunks', '12'];
  // Uninterrupted reference run.
  const refOut = join(work, 'ref-releases');
  const ref = cli([...args(storeCopy('ref'), refOut), '--json']);
  assert.equal(ref.code, 0, ref.stderr);
  const refSummary = JSON.parse(ref.stdout);
  assert.equal(refSummary.units.length, 12 + 12 + 1);
  assert.ok(refSummary.units.every((u: { status: string }) => u.status === 'done'));

  // Same job, killed as soon as the first unit reports done.
  const db = storeCopy('killed');
  const out = join(work, 'killed-releases');
  const child = spawn(process.execPath, cliArgs(args(db, out)), { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const killed = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (/ done \(/.test(stderr) && child.exitCode === null) child.kill('SIGKILL');
  });
  assert.equal(await killed, 'SIGKILL', `the batch ended before it could be killed:\n${stderr}`);

  const store = await Store.open(db, { readOnly: true });
  const finished = Number((await store.rows<{ n: bigint }>(`SELECT count(*) n FROM batch_units`))[0].n);
  store.close();
  assert.ok(finished >= 1 && finished < refSummary.units.length, `killed mid-run: ${finished} units had finished`);
  // No half release: nothing but (possibly) a temporary directory under the release name.
  const relDir = join(out, `feedback-${DAY}`);
  const visible = existsSync(relDir) ? readdirSync(relDir).filter((e) => !e.startsWith('.tmp-')) : [];
  assert.deepEqual(visible, []);

  const rerun = cli([...args(db, out), '--json']);
  assert.equal(rerun.code, 0, rerun.stderr);
  const s = JSON.parse(rerun.stdout);
  assert.equal(s.units.filter((u: { status: string }) => u.status === 'skipped').length, finished);
  assert.equal(s.release.version, refSummary.release.version);
  const a = files(join(refOut, `feedback-${DAY}`));
  const b = files(relDir);
  assert.ok(a.size > 5);
  assert.deepEqual([...b.keys()], [...a.keys()], 'same files (no temporary directories left)');
  for (const [p, bytes] of a) assert.ok(bytes.equals(b.get(p)!), `${p} differs`);

  // The two stores agree on what was computed.
  const dump = async (p: string) => {
    const st = await Store.open(p, { readOnly: true });
    const r = await st.rows<{ v: string; s: string; m: string }>(`SELECT
      (SELECT md5(string_agg(message_id || label || dsat_score || confidence, ',' ORDER BY message_id)) FROM verdicts) v,
      (SELECT md5(string_agg(message_id || detector || detector_version || coalesce(label, '?') || coalesce(score, -1), ',' ORDER BY message_id, detector, detector_version)) FROM signals) s,
      (SELECT md5(string_agg(message_id || score, ',' ORDER BY message_id)) FROM model_scores) m`);
    st.close();
    return r[0];
  };
  assert.deepEqual(await dump(db), await dump(join(work, 'ref.duckdb')));
});

test('the real heavy detectors: FLR (tiny ONNX LM) and P[Love] score the window\'s responses, the judge is reported as skipped', async () => {
  await ready;
  const db = storeCopy('real-heavy');
  // 2026-11-21 holds a single response in the example logs: small enough for the LM on every CI run.
  const r = cli(['batch', '--date', '2026-11-21', '--db', db, '--out', join(work, 'real-heavy-releases'), '--chunks', '2', '--json',
    '--flr-model', join(root, 'tests/fixtures/models/tiny-llama'), '--plove-model', join(work, 'plove.onnx')]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(s.heavyDetectors, { flr: '1', plove: '1' });
  assert.match(s.skippedDetectors.llm_judge, /--judge-url/);
  assert.equal(s.assistantTurns, 1);
  const store = await Store.open(db, { readOnly: true });
  const scores = await store.rows<{ detector: string; n: bigint; in_window: bigint }>(`SELECT detector, count(*) n,
      count(*) FILTER (t.ts >= TIMESTAMPTZ '2026-11-21 00:00:00+00' AND t.ts < TIMESTAMPTZ '2026-11-22 00:00:00+00') in_window
    FROM model_scores JOIN turns t USING (message_id) GROUP BY 1 ORDER BY 1`);
  store.close();
  assert.deepEqual(scores.map((x) => [x.detector, Number(x.n), Number(x.in_window)]), [['flr', 1, 1], ['plove', 1, 1]]);
});

test('the LLM judge unit asks a local OpenAI-compatible server about the ambiguous turns only; its verdict is fused', async () => {
  const { createServer } = await import('node:http');
  const asked: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      asked.push(`${req.method} ${req.url} ${JSON.parse(body).messages.at(-1).content}`);
      const content = JSON.stringify({ label: 'sat', category: 'learning', confidence: 0.9, evidence: 'Good to know' });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
  const db = join(work, 'judge.duckdb');
  const store = await Store.open(db, { salt: SALT });
  const turn = (c: string, i: number, role: string, content: string) =>
    `('${c}', ${i}, '${c}:${i}', '${role}', '${content.replace(/'/g, "''")}', TIMESTAMPTZ '2026-11-20 10:0${i}:00+00', 'p1', NULL, '{}', 'f', ${i})`;
  await store.run(`INSERT INTO turns VALUES
    ${turn('mixed', 0, 'user', 'Which way does the Coriolis effect turn storms in the south?')},
    ${turn('mixed', 1, 'assistant', 'Clockwise in the southern hemisphere.')},
    ${turn('mixed', 2, 'user', 'Huh, I always had that backwards. Good to know.')},
    ${turn('clear', 0, 'user', 'What is 2+2?')}, ${turn('clear', 1, 'assistant', 'Five.')}, ${turn('clear', 2, 'user', "That's wrong, it is four.")}`);
  store.close();
  const base = { db, releasesDir: join(work, 'judge-releases'), window: parseWindow({ date: DAY }), name: 'feedback', chunks: 1, pins: {} };
  try {
    const first = await runBatch({ ...base, heavy: { judgeUrl: url, judgeModel: 'judge-m' } });
    assert.equal(first.exitCode, BATCH_EXIT.OK, JSON.stringify(first.units));
    assert.equal(asked.length, 1, 'only the ambiguous turn goes to the judge');
    assert.match(asked[0], /^POST \/v1\/chat\/completions .*Clockwise in the southern hemisphere/s);
    const s = await Store.open(db, { readOnly: true });
    const v = await s.rows<{ message_id: string; label: string; agreed: string[] }>('SELECT message_id, label, agreed FROM verdicts ORDER BY message_id');
    const sig = await s.rows<{ detector: string; label: string; category: string }>(`SELECT detector, label, category FROM signals WHERE detector = 'llm_judge'`);
    s.close();
    assert.deepEqual(sig, [{ detector: 'llm_judge', label: 'sat', category: 'learning' }]);
    assert.deepEqual(v.map((x) => [x.message_id, x.label]), [['clear:1', 'dsat'], ['mixed:1', 'sat']]);
    assert.ok(v[1].agreed.includes('llm_judge'));
  } finally {
    server.close();
  }
  // The server is gone: a rerun has nothing left to ask.
  const again = await runBatch({ ...base, heavy: { judgeUrl: url, judgeModel: 'judge-m' } });
  assert.equal(again.exitCode, BATCH_EXIT.OK);
  assert.ok(again.units.every((u) => u.status === 'skipped'));
});

/** A deterministic stand-in model for P[Love], so a test can publish a second version of it. */
function fakePlove(version: string, threshold: number): HeavyPlan {
  const p = (text: string) => (text.length % 100) / 100;
  return {
    name: 'plove',
    version,
    fingerprint: `fake-${version}`,
    async load() {
      return {
        name: 'plove',
        version,
        fingerprint: `fake-${version}`,
        select: (ctxs) => ctxs,
        async run(ctxs) {
          const signals = new Map<string, NamedSignal[]>();
          const scores = new Map<string, number>();
          for (const c of ctxs) {
            const score = p(c.assistantTurn.content);
            scores.set(c.assistantTurn.messageId, score);
            signals.set(c.assistantTurn.messageId, [
              { detector: 'plove', version, kind: 'model', result: score >= threshold ? { label: 'sat', category: null, score, confidence: 0.9, evidence: `p ${score}` } : null },
            ]);
          }
          return { signals, scores };
        },
        release: async () => undefined,
      };
    },
  };
}

test('backfill: a new detector version writes beside the old; fusion and views use the latest unless pinned', async () => {
  await ready;
  const db = storeCopy('backfill');
  const base = { db, releasesDir: join(work, 'backfill-releases'), window: parseWindow({ date: DAY }), name: 'feedback', heavy: {}, chunks: 4, pins: {} };
  const v1 = await runBatch({ ...base, extraHeavy: [fakePlove('1', 0.5)] });
  assert.equal(v1.exitCode, BATCH_EXIT.OK);
  assert.equal(v1.units.length, 4 + 4 + 1);
  // Rerun with nothing changed: every unit was finished.
  const again = await runBatch({ ...base, extraHeavy: [fakePlove('1', 0.5)] });
  assert.ok(again.units.every((u) => u.status === 'skipped'));
  assert.equal(again.release!.version, v1.release!.version);

  // Version 2 fires on fewer turns (higher threshold): new rows, old rows kept, verdicts re-fused from v2.
  const v2 = await runBatch({ ...base, extraHeavy: [fakePlove('2', 0.9)] });
  assert.ok(v2.units.filter((u) => u.unit.startsWith('detect:plove@2')).every((u) => u.status === 'done'));
  assert.ok(v2.units.filter((u) => u.unit.startsWith('fuse:')).every((u) => u.status === 'done'), 'new heavy signals redo the fusion');
  assert.notEqual(v2.release!.version, v1.release!.version);
  const store = await Store.open(db);
  const count = async (sql: string) => Number((await store.rows<{ n: bigint }>(sql))[0].n);
  const n1 = await count(`SELECT count(*) n FROM signals WHERE detector = 'plove' AND detector_version = '1'`);
  const n2 = await count(`SELECT count(*) n FROM signals WHERE detector = 'plove' AND detector_version = '2'`);
  assert.ok(n1 > n2 && n2 > 0, `v1 ${n1} rows, v2 ${n2} rows`);
  assert.equal(await count(`SELECT count(*) n FROM v_signals_latest WHERE detector = 'plove'`), n2);
  assert.equal(await count(`SELECT count(*) n FROM signals_at('plove', '1') WHERE detector = 'plove'`), n1);
  const withV2 = await count(`SELECT count(*) n FROM verdicts WHERE list_contains(agreed, 'plove')`);
  const versions = await store.rows<{ detector_version: string; is_latest: boolean }>(`SELECT detector_version, is_latest FROM v_detector_versions WHERE detector = 'plove'`);
  assert.deepEqual(versions.map((v) => [v.detector_version, v.is_latest]), [['1', false], ['2', true]]);
  const changes = await store.rows<{ old_version: string; changed: bigint; both_labelled: bigint }>(`SELECT * FROM v_detector_version_changes WHERE detector = 'plove'`);
  assert.equal(changes.length, 1);
  assert.equal(Number(changes[0].both_labelled), n2);
  store.close();

  // Pinning version 1 re-fuses from it again: the release is v1's again.
  const pinned = await runBatch({ ...base, pins: { plove: '1' } });
  assert.equal(pinned.release!.version, v1.release!.version);
  const s2 = await Store.open(db, { readOnly: true });
  const withV1 = Number((await s2.rows<{ n: bigint }>(`SELECT count(*) n FROM verdicts WHERE list_contains(agreed, 'plove')`))[0].n);
  s2.close();
  assert.ok(withV1 > withV2, `plove backs more verdicts with v1 (${withV1}) than v2 (${withV2})`);
  await assert.rejects(runBatch({ ...base, pins: { plove: '7' } }), /no signals of plove version 7/);
});

test('a failing heavy unit blocks its chunk and the release (exit 5); the rerun does only what is missing', async () => {
  await ready;
  const db = storeCopy('partial');
  const base = { db, releasesDir: join(work, 'partial-releases'), window: parseWindow({ date: DAY }), name: 'feedback', heavy: {}, chunks: 4, pins: {} };
  const flaky = fakePlove('1', 0.5);
  let calls = 0;
  const failing: HeavyPlan = {
    ...flaky,
    async load() {
      const det = await flaky.load();
      return { ...det, run: async (ctxs) => (++calls === 2 ? Promise.reject(new Error('model server went away')) : det.run(ctxs)) };
    },
  };
  const first = await runBatch({ ...base, extraHeavy: [failing] });
  assert.equal(first.exitCode, BATCH_EXIT.PARTIAL);
  const status = (s: typeof first) => Object.fromEntries(s.units.map((u) => [u.unit, u.status]));
  const st = status(first);
  const failed = Object.keys(st).filter((u) => st[u] === 'failed');
  assert.equal(failed.length, 1);
  assert.match(first.units.find((u) => u.status === 'failed')!.error!, /model server went away/);
  const chunk = failed[0].split(':').pop();
  assert.equal(st[`fuse:${chunk}`], 'blocked');
  assert.equal(st.release, 'blocked');
  assert.equal(first.release, null);
  assert.ok(!existsSync(join(base.releasesDir, `feedback-${DAY}`)), 'no release for an incomplete window');

  const second = await runBatch({ ...base, extraHeavy: [fakePlove('1', 0.5)] });
  assert.equal(second.exitCode, BATCH_EXIT.OK);
  assert.deepEqual(second.units.filter((u) => u.status === 'done').map((u) => u.unit), [failed[0], `fuse:${chunk}`, 'release']);
});

test('late data redoes only the chunks it lands in, then the release', async () => {
  await ready;
  const db = storeCopy('late');
  const base = { db, releasesDir: join(work, 'late-releases'), window: parseWindow({ date: DAY }), name: 'feedback', heavy: {}, chunks: 8, pins: {} };
  const first = await runBatch(base);
  assert.equal(first.exitCode, BATCH_EXIT.OK);
  const store = await Store.open(db);
  const [m] = await store.rows<{ message_id: string; conversation_id: string }>(
    `SELECT message_id, conversation_id FROM turns WHERE role = 'assistant' AND CAST(ts AS DATE) = DATE '${DAY}' ORDER BY message_id LIMIT 1`,
  );
  await store.run(`INSERT INTO feedback_events VALUES ('late-1', '${m.message_id}', 'thumbs_down', NULL, TIMESTAMPTZ '${DAY} 23:00:00+00', NULL, '{}', 'late', 1)`);
  store.close();
  const second = await runBatch(base);
  const redone = second.units.filter((u) => u.status === 'done').map((u) => u.unit);
  assert.equal(redone.length, 2, redone.join(', '));
  assert.match(redone[0], /^fuse:\d+\/8$/);
  assert.equal(redone[1], 'release');
  assert.notEqual(second.release!.version, first.release!.version);
});

test('CLI exit codes: 6 for an empty window, 3 for a bad window or a missing model, 7 for a busy store, 0 with progress lines', async () => {
  await ready;
  const db = storeCopy('cli');
  const empty = cli(['batch', '--date', '2026-11-22', '--db', db, '--out', join(work, 'cli-out')]);
  assert.equal(empty.code, BATCH_EXIT.NO_DATA, empty.stderr);
  assert.match(empty.stdout, /nothing stored for this window/);
  const bad = cli(['batch', '--since', '2026-11-21', '--until', '2026-11-20', '--db', db]);
  assert.equal(bad.code, BATCH_EXIT.BAD_INPUT);
  assert.match(bad.stderr, /--until \(2026-11-20\) must be after --since/);
  const noModel = cli(['batch', '--date', DAY, '--db', db, '--plove-model', join(work, 'missing.onnx')]);
  assert.equal(noModel.code, BATCH_EXIT.BAD_INPUT);
  assert.match(noModel.stderr, /missing\.onnx/);
  // Another process holding the store (the daemon, say) is a retriable condition with its own code.
  const holder = await Store.open(db);
  const busy = cli(['batch', '--date', DAY, '--db', db]);
  holder.close();
  assert.equal(busy.code, BATCH_EXIT.STORE_BUSY, busy.stderr);
  assert.match(busy.stderr, /in use by another process/);
  const ok = cli(['batch', '--date', '2026-11-23', '--db', db, '--out', join(work, 'cli-out'), '--chunks', '2']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /^batch 2026-11-23: 3 units$/m, 'progress lines on a non-TTY stderr');
  assert.match(ok.stderr, /3\/3 release done/);
  assert.match(ok.stdout, /skipped   flr: not configured \(--flr-model DIR\)/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
