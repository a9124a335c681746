// The analysts' view of the lake the daemons write: an in-memory DuckDB with views over the hive-partitioned Parquet
// segments (the same layout Spark or Trino read from object storage), deduplicated to the latest segment per id.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MinerError } from '../errors.js';
import { runStatementsReadOnly, type SqlResult } from '../sql.js';
import { LAKE_TABLES } from './partition.js';

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Per table, which rows of which segments count. A partition's segments are numbered in order; turns and events are
 * immutable (a replay rewrites the same segment file), signals and verdicts are re-emitted when a conversation is
 * re-judged, so only the latest segment's rows of each assistant message count.
 */
const DEDUP: Record<(typeof LAKE_TABLES)[number], string> = {
  turns: 'QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY lake_seg DESC) = 1',
  feedback_events: 'QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY lake_seg DESC) = 1',
  signals: 'QUALIFY lake_seg = max(lake_seg) OVER (PARTITION BY "partition", message_id)',
  verdicts: 'QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY lake_seg DESC) = 1',
};

function hasSegments(lakeDir: string, table: string): boolean {
  const dir = join(lakeDir, table);
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((p) => p.startsWith('partition=') && readdirSync(join(dir, p)).some((f) => f.endsWith('.parquet')));
}

/** Creates turns, feedback_events, signals and verdicts views over the lake on `conn`; returns the tables found. */
export async function createLakeViews(conn: DuckDBConnection, lakeDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const table of LAKE_TABLES) {
    if (!hasSegments(lakeDir, table)) continue;
    const glob = sqlString(join(lakeDir, table, 'partition=*', '*.parquet'));
    await conn.run(`CREATE OR REPLACE VIEW ${table} AS
      SELECT * FROM read_parquet(${glob}, hive_partitioning = true, union_by_name = true) ${DEDUP[table]}`);
    found.push(table);
  }
  return found;
}

/** Runs read-only SQL over the lake views (what `feedback-miner lake-sql` does). */
export async function runLakeSql(lakeDir: string, sql: string): Promise<SqlResult> {
  if (!existsSync(lakeDir)) throw new MinerError('STORE', `lake ${lakeDir} does not exist (the daemon writes it: --lake-dir)`);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await createLakeViews(conn, lakeDir);
    return await runStatementsReadOnly(conn, sql, 'lake-sql');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
