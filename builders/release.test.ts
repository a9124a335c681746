import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { buildRelease, writeRelease, verifyRelease, PII_KINDS } from './index.js';
import { syntheticJudged } from './synthetic.js';
import { PLANTED, PLANTED_VALUES } from './hygiene/pii-fixtures.js';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const CFG = { testPercent: 20, perUserCap: null } as const;

test('PII: no planted item of any supported kind reaches any emitted file', async () => {
  const plants = [...PLANTED.map(([, v]) => v), ...PLANTED_VALUES.map(([, label, v, after]) => `${label}${v}${after}`)];
  const needles = [...PLANTED.map(([, v]) => v), ...PLANTED_VALUES.map(([, , v]) => v), 'MIIEowIBAAKCAQEA7bq'];
  const judged = syntheticJudged({ conversations: plants.length * 4, seed: 3, plant: (i) => plants[i % plants.length] });
  const result = await buildRelease(judged, CFG);
  const out = mkdtempSync(join(tmpdir(), 'rel-pii-'));
  const info = await writeRelease({ outDir: out, name: 'pii', result });
  for (const kind of PII_KINDS) assert.ok((result.redactions[kind] ?? 0) > 0, `no ${kind} was planted/redacted`);

  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  let texts = 0;
  try {
    for (const file of walk(info.dir)) {
      let text = readFileSync(file, 'utf8');
      if (file.endsWith('.parquet')) {
        const r = await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
        text = JSON.stringify(r.getRowObjectsJson());
      }
      texts += text.length;
      for (const n of needles) assert.ok(!text.includes(n), `${relative(info.dir, file)} contains planted "${n}"`);
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  assert.ok(texts > 10_000, 'release files hold text');
  const train = readFileSync(join(info.dir, 'revision/trl/train.jsonl'), 'utf8');
  assert.match(train, /\[(EMAIL|PHONE|CREDIT_CARD|IBAN|IP_ADDRESS|API_KEY|JWT|SSN|SECRET|PRIVATE_KEY|URL_CREDENTIALS)\]/);
});

test('determinism: two runs over the same judged stream give byte-identical release files', async () => {
  // Order follows the judged stream (the store yields conversations by id, see src/mine.test.ts for input order).
  const a = mkdtempSync(join(tmpdir(), 'rel-a-'));
  const b = mkdtempSync(join(tmpdir(), 'rel-b-'));
  const ra = await buildRelease(syntheticJudged({ conversations: 80, seed: 5 }), CFG);
  const rb = await buildRelease(syntheticJudged({ conversations: 80, seed: 5 }), CFG);
  const ia = await writeRelease({ outDir: a, name: 'd', result: ra, inputWatermark: '2026-11-01T00:00:00Z' });
  const ib = await writeRelease({ outDir: b, name: 'd', result: rb, inputWatermark: '2026-11-01T00:00:00Z' });
  assert.equal(ia.version, ib.version);
  const fa = walk(ia.dir).map((f) => relative(ia.dir, f)).sort();
  const fb = walk(ib.dir).map((f) => relative(ib.dir, f)).sort();
  assert.deepEqual(fa, fb);
  assert.ok(fa.some((f) => f.endsWith('.parquet')) && fa.includes('manifest.json') && fa.includes('README.md'));
  for (const f of fa) assert.ok(readFileSync(join(ia.dir, f)).equals(readFileSync(join(ib.dir, f))), `${f} differs`);
  assert.deepEqual(await verifyRelease(ia.dir), []);
  // A second write of the same input is a no-op that reports the existing release.
  const again = await writeRelease({ outDir: a, name: 'd', result: ra, inputWatermark: '2026-11-01T00:00:00Z' });
  assert.equal(again.existed, true);
  // A different watermark is a different version.
  const other = await writeRelease({ outDir: a, name: 'd', result: ra, inputWatermark: '2026-11-02T00:00:00Z' });
  assert.notEqual(other.version, ia.version);
});

test('a failure between files leaves no release directory and a rerun succeeds', async () => {
  const out = mkdtempSync(join(tmpdir(), 'rel-fail-'));
  const result = await buildRelease(syntheticJudged({ conversations: 40 }), CFG);
  let n = 0;
  await assert.rejects(
    writeRelease({
      outDir: out,
      name: 'f',
      version: 'v1',
      result,
      onFileWritten: () => {
        if (++n === 4) throw new Error('injected failure');
      },
    }),
    /injected failure/,
  );
  assert.deepEqual(readdirSync(join(out, 'f')), [], 'neither release nor temp directory remains');
  const info = await writeRelease({ outDir: out, name: 'f', version: 'v1', result });
  assert.equal(info.existed, false);
  assert.deepEqual(await verifyRelease(info.dir), []);
});

test('a writer killed mid-release leaves no release directory; the next run cleans up and succeeds', async () => {
  const out = mkdtempSync(join(tmpdir(), 'rel-kill-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'release-crash-child.ts'), out, 'v1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const left = readdirSync(join(out, 'crash'));
  assert.ok(!left.includes('v1'), 'no release directory after the crash');
  assert.ok(left.some((e) => e.startsWith('.tmp-')), 'the crash left its temp directory (proves it was mid-write)');
  const result = await buildRelease(syntheticJudged({ conversations: 40 }), { testPercent: 20 });
  const info = await writeRelease({ outDir: out, name: 'crash', version: 'v1', result });
  assert.deepEqual(readdirSync(join(out, 'crash')), ['v1'], 'stale temp directory removed');
  assert.deepEqual(await verifyRelease(info.dir), []);
  assert.ok(existsSync(join(info.dir, 'manifest.json')));
});

test('a record longer than the JSON reader default (16 MiB) still reaches the Parquet files whole', async () => {
  // The Parquet writer's reader buffer is fitted to the longest line; a 20 MB row must not be cut or refused.
  const long = Array.from({ length: 3_600_000 }, (_, i) => `w${i % 997}`).join(' '); // ~17.6 MB
  const judged = syntheticJudged({ conversations: 6, seed: 9, plant: (i) => (i === 2 ? long : null) });
  const result = await buildRelease(judged, { ...CFG, testPercent: 0 });
  const out = mkdtempSync(join(tmpdir(), 'rel-long-'));
  const info = await writeRelease({ outDir: out, name: 'long', result });
  const jsonl = readFileSync(join(info.dir, 'kto/trl/train.jsonl'), 'utf8').split('\n').filter(Boolean);
  const longest = Math.max(...jsonl.map((l) => Buffer.byteLength(l)));
  assert.ok(longest > 16 * 2 ** 20, `longest line ${longest} bytes`);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const file = join(info.dir, 'kto/trl/train.parquet');
    const r = await conn.runAndReadAll(`SELECT (SELECT count(*)::INTEGER FROM read_parquet('${file}')),
      (SELECT max(len)::INTEGER FROM (SELECT unnest(list_transform(prompt || completion, m -> length(m.content))) AS len FROM read_parquet('${file}')))`);
    const [rows, longestMessage] = r.getRows()[0] as [number, number];
    assert.equal(rows, jsonl.length);
    assert.ok(longestMessage > long.length, `longest message in Parquet ${longestMessage} chars`);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
});
