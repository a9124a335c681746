// Default locations: everything a run writes lives under ./out/ unless told otherwise, so `npm run demo` followed by
// any other command works without flags.
import { join } from 'node:path';

export const DEFAULT_OUT = process.env.FEEDBACK_MINER_OUT ?? 'out';
export const defaultDbPath = (out = DEFAULT_OUT) => process.env.FEEDBACK_MINER_DB ?? join(out, 'feedback.duckdb');
export const defaultReleasesDir = (out = DEFAULT_OUT) => join(out, 'releases');
export const defaultRejectsPath = (out = DEFAULT_OUT, stamp = new Date()) =>
  join(out, 'rejects', `rejects-${stamp.toISOString().replace(/[:.]/g, '').slice(0, 15)}Z.jsonl`);
