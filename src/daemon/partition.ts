// One owned partition number p: its DuckDB store (<stateDir>/p-<p>.duckdb), the Kafka offsets stored with its data,
// the batch transaction (ingest + incremental detection + offsets), and its export of sealed segments to the lake.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../store.js';
import { detectStored } from '../pipeline.js';
import type { IngestRecord, Reject } from '../model.js';
import type { DetectorConfig } from '../../detectors/config.js';
import { createDetectors } from '../../detectors/registry.js';
import type { Detector } from '../../detectors/types.js';
import { errorMessage } from '../errors.js';
import { DEFAULT_PARTITION_MEMORY_LIMIT } from './config.js';

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The origin "file" of a record read from Kafka; its "line" is the offset, so rejects point back at the message. */
export const kafkaOrigin = (topic: string, partition: number) => `kafka:${topic}/${partition}`;

export const LAKE_TABLES = ['turns', 'feedback_events', 'signals', 'verdicts'] as const;

export interface BatchInput {
  topic: string;
  /** Offset after the batch's last message: stored as the topic-partition's next offset. */
  nextOffset: bigint;
  records: IngestRecord[];
  /** Validation rejects, kept in the store's rejects table for analysts (they are also dead-lettered). */
  rejects: Reject[];
}

export interface BatchResult {
  turnsInserted: number;
  eventsInserted: number;
  replays: number;
  /** Records the merge refused (an id stored with other content, a taken turn position): to dead-letter. */
  mergeRejects: Reject[];
  assistantTurnsJudged: number;
}

export interface SegmentResult {
  seq: number;
  rows: number;
  files: string[];
}

function isLockConflict(e: unknown): boolean {
  return /Could not set lock|Conflicting lock/i.test(errorMessage(e));
}

export class PartitionState {
  private detectors: Detector[] | null = null;

  private constructor(
    readonly partition: number,
    readonly store: Store,
    private readonly topics: { turns: string; feedback: string },
  ) {}

  static path(stateDir: string, partition: number): string {
    return join(stateDir, `p-${partition}.duckdb`);
  }

  /**
   * Opens p's store. Another process may still hold it (a daemon finishing its last batch before handing the
   * partition over), so a lock conflict is retried until `waitMs`; `onWait` keeps the group session alive meanwhile.
   */
  static async open(
    stateDir: string,
    partition: number,
    topics: { turns: string; feedback: string },
    opts: { threads: number; waitMs: number; memoryLimit?: string; onWait?: () => Promise<void> },
  ): Promise<PartitionState> {
    const path = PartitionState.path(stateDir, partition);
    const deadline = Date.now() + opts.waitMs;
    for (;;) {
      try {
        const store = await Store.open(path, { memoryLimit: opts.memoryLimit ?? DEFAULT_PARTITION_MEMORY_LIMIT });
        await store.run(`SET threads = ${opts.threads}`);
        await store.run("SET TimeZone = 'UTC'");
        return new PartitionState(partition, store, topics);
      } catch (e) {
        if (!isLockConflict(e) || Date.now() > deadline) throw e;
        await opts.onWait?.();
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async nextOffsets(): Promise<Map<string, bigint>> {
    const rows = await this.store.rows<{ topic: string; next_offset: bigint }>(
      `SELECT topic, next_offset FROM kafka_offsets WHERE "partition" = ${this.partition}`,
    );
    return new Map(rows.map((r) => [r.topic, BigInt(r.next_offset)]));
  }

  /**
   * One transaction: stage and merge the records, re-judge the touched conversations, store the next offset.
   * `beforeCommit` runs last inside it (dead-lettering merge rejects), so the offset never moves past a message
   * whose dead-letter publish failed.
   */
  async applyBatch(input: BatchInput, detectorConfig: DetectorConfig | undefined, beforeCommit: (r: BatchResult) => Promise<void>): Promise<BatchResult> {
    return this.store.transaction(async () => {
      const session = await this.store.beginIngest();
      session.add(input.records);
      session.addRejects(input.rejects);
      const merge = await session.merge();
      const judged = merge.touchedConversations > 0 ? await this.detectTouched(detectorConfig) : 0;
      await this.store.run(`INSERT OR REPLACE INTO kafka_offsets VALUES
        (${sqlString(input.topic)}, ${this.partition}, ${input.nextOffset}, now())`);
      const result: BatchResult = {
        turnsInserted: merge.turnsInserted,
        eventsInserted: merge.eventsInserted,
        replays: merge.replays,
        mergeRejects: merge.rejects,
        assistantTurnsJudged: judged,
      };
      await beforeCommit(result);
      return result;
    });
  }

  /** Re-judge the conversations the merge touched (the store reads a small scope in one query). */
  private async detectTouched(config: DetectorConfig | undefined): Promise<number> {
    const detectors = (this.detectors ??= createDetectors(config));
    const summary = await detectStored(this.store, 'touched', config, undefined, detectors);
    return summary.assistantTurns;
  }

  /** Moves the stored offset past messages that carried nothing to store (all dead-lettered). */
  async advanceOffset(topic: string, nextOffset: bigint): Promise<void> {
    await this.store.run(`INSERT OR REPLACE INTO kafka_offsets VALUES (${sqlString(topic)}, ${this.partition}, ${nextOffset}, now())`);
  }

  /**
   * Writes the rows that arrived since the last segment as lake/<table>/partition=<p>/seg-<seq>.parquet (tmp file +
   * rename), then records the segment. Signals and verdicts of every conversation touched in the offset range are
   * re-emitted whole, so the lake views take, per message, the rows of its latest segment.
   */
  async exportSegment(lakeDir: string): Promise<SegmentResult | null> {
    const s = this.store;
    const last = await s.rows<{ seq: bigint; turns_to: bigint; feedback_to: bigint }>(
      'SELECT seq, turns_to, feedback_to FROM lake_segments ORDER BY seq DESC LIMIT 1',
    );
    const offsets = await this.nextOffsets();
    const turnsFrom = last.length ? BigInt(last[0].turns_to) : 0n;
    const fbFrom = last.length ? BigInt(last[0].feedback_to) : 0n;
    const turnsTo = offsets.get(this.topics.turns) ?? turnsFrom;
    const fbTo = offsets.get(this.topics.feedback) ?? fbFrom;
    if (turnsTo === turnsFrom && fbTo === fbFrom) return null;
    const seq = last.length ? Number(last[0].seq) + 1 : 0;
    const turnsSrc = sqlString(kafkaOrigin(this.topics.turns, this.partition));
    const fbSrc = sqlString(kafkaOrigin(this.topics.feedback, this.partition));
    await s.run(`CREATE OR REPLACE TEMP TABLE seg_turns AS SELECT * FROM turns
      WHERE source_file = ${turnsSrc} AND source_line >= ${turnsFrom} AND source_line < ${turnsTo}`);
    await s.run(`CREATE OR REPLACE TEMP TABLE seg_feedback AS SELECT * FROM feedback_events
      WHERE source_file = ${fbSrc} AND source_line >= ${fbFrom} AND source_line < ${fbTo}`);
    await s.run(`CREATE OR REPLACE TEMP TABLE seg_convs AS
      SELECT conversation_id FROM seg_turns
      UNION SELECT t.conversation_id FROM seg_feedback f JOIN turns t USING (message_id)`);
    const selects: Record<(typeof LAKE_TABLES)[number], string> = {
      turns: 'SELECT * FROM seg_turns',
      feedback_events: 'SELECT * FROM seg_feedback',
      signals: 'SELECT * FROM signals WHERE conversation_id IN (SELECT conversation_id FROM seg_convs)',
      verdicts: 'SELECT * FROM verdicts WHERE conversation_id IN (SELECT conversation_id FROM seg_convs)',
    };
    const name = `seg-${String(seq).padStart(10, '0')}.parquet`;
    const files: string[] = [];
    let rows = 0;
    for (const table of LAKE_TABLES) {
      const n = Number((await s.rows<{ n: bigint }>(`SELECT count(*) AS n FROM (${selects[table]})`))[0].n);
      if (n === 0) continue;
      const dir = join(lakeDir, table, `partition=${this.partition}`);
      mkdirSync(dir, { recursive: true });
      const final = join(dir, name);
      const tmp = `${final}.tmp-${process.pid}`;
      await s.run(`COPY (SELECT *, ${seq}::BIGINT AS lake_seg FROM (${selects[table]})) TO ${sqlString(tmp)} (FORMAT parquet)`);
      renameSync(tmp, final);
      files.push(final);
      rows += n;
    }
    await s.run(`INSERT OR REPLACE INTO lake_segments VALUES (${seq}, ${turnsFrom}, ${turnsTo}, ${fbFrom}, ${fbTo}, ${rows}, now())`);
    return { seq, rows, files };
  }

  /**
   * Bounds the open state: removes conversations idle longer than `idleMs` (event time: measured against the newest
   * turn timestamp in this partition, so a replay prunes the same ones) and the least recently active beyond
   * `maxConversations`, but only those whose turns and events are all sealed in the lake, which then remains their
   * record. A follow-up arriving after its conversation was pruned starts a new partial conversation here.
   */
  async prune(limits: { idleMs?: number; maxConversations?: number }): Promise<number> {
    if (!limits.idleMs && !limits.maxConversations) return 0;
    const s = this.store;
    const last = await s.rows<{ turns_to: bigint; feedback_to: bigint }>('SELECT turns_to, feedback_to FROM lake_segments ORDER BY seq DESC LIMIT 1');
    if (!last.length) return 0;
    const turnsSrc = sqlString(kafkaOrigin(this.topics.turns, this.partition));
    const fbSrc = sqlString(kafkaOrigin(this.topics.feedback, this.partition));
    const pruned = await this.store.transaction(async () => {
      await s.run(`CREATE OR REPLACE TEMP TABLE prune_convs AS
        WITH activity AS (
          SELECT conversation_id, max(ts) AS last_ts, max(source_line) FILTER (WHERE source_file = ${turnsSrc}) AS max_turn_offset,
                 bool_and(source_file = ${turnsSrc}) AS from_stream
          FROM turns GROUP BY conversation_id),
        ranked AS (
          SELECT *, row_number() OVER (ORDER BY last_ts DESC NULLS LAST, max_turn_offset DESC) AS recency,
                 max(last_ts) OVER () AS watermark
          FROM activity)
        SELECT r.conversation_id FROM ranked r
        WHERE r.from_stream AND r.max_turn_offset < ${BigInt(last[0].turns_to)}
          AND (${limits.idleMs ? `r.last_ts < r.watermark - to_milliseconds(${limits.idleMs})` : 'FALSE'}
               OR ${limits.maxConversations ? `r.recency > ${limits.maxConversations}` : 'FALSE'})
          AND NOT EXISTS (SELECT 1 FROM feedback_events f JOIN turns t USING (message_id)
                          WHERE t.conversation_id = r.conversation_id
                            AND (f.source_file <> ${fbSrc} OR f.source_line >= ${BigInt(last[0].feedback_to)}))`);
      const n = Number((await s.rows<{ n: bigint }>('SELECT count(*) AS n FROM prune_convs'))[0].n);
      if (n === 0) return 0;
      await s.run('DELETE FROM signals WHERE conversation_id IN (SELECT conversation_id FROM prune_convs)');
      await s.run('DELETE FROM verdicts WHERE conversation_id IN (SELECT conversation_id FROM prune_convs)');
      await s.run('DELETE FROM response_flags WHERE conversation_id IN (SELECT conversation_id FROM prune_convs)');
      await s.run(`DELETE FROM feedback_events WHERE message_id IN
        (SELECT message_id FROM turns WHERE conversation_id IN (SELECT conversation_id FROM prune_convs))`);
      await s.run('DELETE FROM turns WHERE conversation_id IN (SELECT conversation_id FROM prune_convs)');
      return n;
    });
    // Deleted rows keep their blocks (and the buffer memory of every scan over them) until a checkpoint vacuums them.
    if (pruned > 0) await s.run('CHECKPOINT');
    return pruned;
  }

  /** Bytes DuckDB's buffer manager holds for this store (its own accounting; RSS adds allocator overhead). */
  async memoryBytes(): Promise<number> {
    const r = await this.store.rows<{ b: bigint | null }>('SELECT sum(memory_usage_bytes) AS b FROM duckdb_memory()');
    return Number(r[0]?.b ?? 0);
  }

  close(): void {
    this.store.close();
  }
}

/** Removes tmp files a crashed export left behind (they are never read: the lake globs *.parquet). */
export function cleanLakeTmp(lakeDir: string, partition: number): void {
  for (const table of LAKE_TABLES) {
    const dir = join(lakeDir, table, `partition=${partition}`);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (/\.tmp-\d+$/.test(f)) rmSync(join(dir, f), { force: true });
  }
}
