import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_FOLLOW_UPS, FLR_DIMENSIONS, loadFollowUpSets } from './followups.js';

describe('FLR follow-up sets', () => {
  it('10 positive + 10 negative distinct follow-ups for each of the 6 dimensions', () => {
    assert.deepEqual(Object.keys(DEFAULT_FOLLOW_UPS), [...FLR_DIMENSIONS]);
    const all = Object.values(DEFAULT_FOLLOW_UPS).flatMap((s) => {
      assert.equal(s.positive.length, 10);
      assert.equal(s.negative.length, 10);
      return [...s.positive, ...s.negative];
    });
    assert.equal(new Set(all).size, 120);
  });

  it('loads replacement sets from JSON and names the bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flr-sets-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ tone: { positive: ['Nice.'], negative: ['Rude.'] } }));
      assert.deepEqual(loadFollowUpSets(good), { tone: { positive: ['Nice.'], negative: ['Rude.'] } });
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ tone: { positive: [], negative: ['Rude.'] } }));
      assert.throws(() => loadFollowUpSets(bad), /bad\.json: field tone\.positive/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
