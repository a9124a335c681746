// Records each written release and its per-builder, per-filter counts in the store (tables `releases` and
// `release_stats`, sql/004), so analysts and the HTML report can follow pair yield across releases.
import type { Store } from '../store.js';
import type { BuildResult, ReleaseInfo } from '../../builders/index.js';

const q = (s: string | null) => (s === null ? 'NULL' : `'${s.replace(/'/g, "''")}'`);

export interface ReleaseRecord {
  name: string;
  info: ReleaseInfo;
  result: BuildResult;
  windowLabel: string | null;
  inputWatermark: string | null;
}

/** Replace the release's rows (a rebuild of the same version rewrites them). Run inside the caller's transaction. */
export async function recordRelease(store: Store, r: ReleaseRecord): Promise<void> {
  const key = `name = ${q(r.name)} AND version = ${q(r.info.version)}`;
  await store.run(`DELETE FROM release_stats WHERE ${key}`);
  await store.run(`DELETE FROM releases WHERE ${key}`);
  await store.run(`INSERT INTO releases VALUES (${q(r.name)}, ${q(r.info.version)}, ${q(r.info.dir)}, ${q(r.windowLabel)},
    ${r.result.conversations}, ${q(r.inputWatermark)}, now())`);
  const values: string[] = [];
  for (const [builder, rows] of Object.entries(r.result.rows)) {
    values.push(`(${q(r.name)}, ${q(r.info.version)}, ${q(builder)}, 'train', ${rows.train.length})`);
    values.push(`(${q(r.name)}, ${q(r.info.version)}, ${q(builder)}, 'test', ${rows.test.length})`);
  }
  for (const [filter, per] of Object.entries(r.result.dropped))
    for (const [builder, n] of Object.entries(per)) values.push(`(${q(r.name)}, ${q(r.info.version)}, ${q(builder)}, ${q(filter)}, ${n})`);
  if (values.length) await store.run(`INSERT INTO release_stats VALUES ${values.join(',')}`);
}
