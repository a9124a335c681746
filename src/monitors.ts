// Reward-hacking check for job summaries (RLUF saw effusive replies and "Bye!" endings win Love): per policy version,
// the rates of farewell endings, emoji-heavy replies, reaction begging and gushing, and a warning when a newer
// version's rate jumps. The same rates are in the analyst view v_reward_hacking.
import type { Store } from './store.js';
import { detectHackingJumps, hackingRatesByPolicy, type HackingJump } from './plove/hacking.js';

export type { HackingJump };

/** Jumps between consecutive policy versions (ordered by first appearance) among the assistant turns selected. */
export async function rewardHackingJumps(store: Store, where = 'TRUE'): Promise<HackingJump[]> {
  const rows = await store.rows<{ policy_version: string | null; content: string; ts: string | null }>(
    `SELECT policy_version, content, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts FROM turns WHERE role = 'assistant' AND (${where})`,
  );
  const rates = hackingRatesByPolicy(rows.map((r) => ({ policyVersion: r.policy_version, response: r.content, ts: r.ts })));
  return detectHackingJumps(rates);
}

export function formatHackingJump(j: HackingJump): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return `reward hacking? ${j.metric} rose from ${pct(j.before)} (${j.from}) to ${pct(j.after)} (${j.to}), z = ${j.z.toFixed(1)}`;
}
