import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from './store.js';
import { detectStored } from './pipeline.js';
import { formatHackingJump, rewardHackingJumps } from './monitors.js';

async function storeWith(newPolicyReply: string): Promise<Store> {
  const s = await Store.open(':memory:', { salt: 'x' });
  const rows: string[] = [];
  for (let i = 0; i < 60; i++) {
    rows.push(`('a${i}', 1, 'a${i}:1', 'assistant', 'Use xs[::-1] to reverse the list.', TIMESTAMPTZ '2026-11-01 10:00:00+00', 'p1', NULL, '{}', 'f', ${i})`);
    rows.push(`('b${i}', 1, 'b${i}:1', 'assistant', '${newPolicyReply}', TIMESTAMPTZ '2026-11-02 10:00:00+00', 'p2', NULL, '{}', 'f', ${i})`);
  }
  await s.run(`INSERT INTO turns VALUES ${rows.join(',')}`);
  await s.transaction(() => detectStored(s, 'all')); // judging writes the per-response flags the check reads
  return s;
}

test('a newer policy that ends every reply with a farewell raises a warning naming both versions', async () => {
  const s = await storeWith('Use xs[::-1] to reverse the list. Bye! Have a wonderful day!');
  const jumps = await rewardHackingJumps(s);
  const farewell = jumps.find((j) => j.metric === 'farewellRate');
  assert.ok(farewell, JSON.stringify(jumps));
  assert.deepEqual([farewell.from, farewell.to, farewell.before, farewell.after], ['p1', 'p2', 0, 1]);
  assert.match(formatHackingJump(farewell), /farewellRate rose from 0\.0 % \(p1\) to 100\.0 % \(p2\)/);
  s.close();
});

test('no warning when the newer policy answers the same way', async () => {
  const s = await storeWith('Use reversed(xs) or xs[::-1].');
  assert.deepEqual(await rewardHackingJumps(s), []);
  s.close();
});
