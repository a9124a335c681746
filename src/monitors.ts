// Reward-hacking check for job summaries (RLUF saw effusive replies and "Bye!" endings win Love): per policy version,
// the rates of farewell endings, emoji-heavy replies, reaction begging and gushing, and a warning when a newer
// version's rate jumps. The flags are stored per response when it is judged (table response_flags); the analyst view
// v_reward_hacking aggregates the same rows.
import type { Store } from './store.js';
import { detectHackingJumps, type HackingJump, type PolicyHackingRates } from './plove/hacking.js';

export type { HackingJump };

/**
 * Jumps between consecutive policy versions (ordered by first appearance) among the judged responses selected by
 * `where` (a condition on `turns`), from the flags stored when they were judged.
 */
export async function rewardHackingJumps(store: Store, where = 'TRUE'): Promise<HackingJump[]> {
  const rows = await store.rows<{ policy_version: string; n: bigint; farewell: number; heavy: number; beg: number; gush: number; density: number; first: string | null }>(`
    SELECT coalesce(f.policy_version, '(none)') AS policy_version, count(*) AS n, avg(f.farewell::INT) AS farewell,
           avg(f.emoji_heavy::INT) AS heavy, avg(f.begging::INT) AS beg, avg(f.gushing::INT) AS gush,
           avg(f.emoji_per_word) AS density, strftime(min(ts), '%Y-%m-%dT%H:%M:%S.%gZ') AS first
    FROM response_flags f JOIN turns USING (message_id, conversation_id)
    WHERE ${where}
    GROUP BY 1 ORDER BY first NULLS LAST, 1`);
  const rates: PolicyHackingRates[] = rows.map((r) => ({
    policyVersion: r.policy_version,
    n: Number(r.n),
    farewellRate: r.farewell,
    emojiHeavyRate: r.heavy,
    reactionBeggingRate: r.beg,
    gushingRate: r.gush,
    meanEmojiDensity: r.density,
    firstSeen: r.first,
  }));
  return detectHackingJumps(rates);
}

export function formatHackingJump(j: HackingJump): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return `reward hacking? ${j.metric} rose from ${pct(j.before)} (${j.from}) to ${pct(j.after)} (${j.to}), z = ${j.z.toFixed(1)}`;
}
