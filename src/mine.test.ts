import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generateLines } from './generator.js';
import { runMine } from './mine.js';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

test('the same logs in a different line order give a byte-identical release (and no spool is left behind)', async () => {
  const work = mkdtempSync(join(tmpdir(), 'fm-mine-order-'));
  const salt = process.env.FEEDBACK_MINER_SALT;
  process.env.FEEDBACK_MINER_SALT = 'order-test'; // user hashes must not depend on the store
  try {
    const lines = [...generateLines({ seed: 9, conversations: 150 })];
    writeFileSync(join(work, 'a.jsonl'), lines.join('\n') + '\n');
    writeFileSync(join(work, 'b.jsonl'), [...lines].reverse().join('\n') + '\n');
    const mine = (x: string) =>
      runMine({ inputs: [join(work, `${x}.jsonl`)], db: join(work, `${x}.duckdb`), out: join(work, `out-${x}`), name: 'r', rejectsPath: null, build: true });
    const a = await mine('a');
    const b = await mine('b');
    assert.ok(a.release && b.release);
    assert.ok(Object.values(a.release.rows).reduce((n, r) => n + r.train + r.test, 0) > 50, 'the release has rows');
    assert.equal(a.release.version, b.release.version);
    const files = walk(a.release.path).map((f) => relative(a.release!.path, f)).sort();
    assert.deepEqual(files, walk(b.release.path).map((f) => relative(b.release!.path, f)).sort());
    for (const f of files) assert.ok(readFileSync(join(a.release.path, f)).equals(readFileSync(join(b.release.path, f))), `${f} differs`);
    const nameDir = join(work, 'out-a', 'releases', 'r');
    assert.deepEqual(readdirSync(nameDir).filter((e) => e.startsWith('.')), [], 'spool and temp dirs are gone');
    assert.ok(existsSync(join(a.release.path, 'manifest.json')));
  } finally {
    if (salt === undefined) delete process.env.FEEDBACK_MINER_SALT;
    else process.env.FEEDBACK_MINER_SALT = salt;
    rmSync(work, { recursive: true, force: true });
  }
});
