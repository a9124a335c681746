// The DuckDB store: numbered migrations from sql/, bulk writes through the Appender, an idempotent merge of
// ingested records, and streaming reads of conversations for the detectors and builders.
import { DuckDBInstance, LIST, VARCHAR, type DuckDBConnection, type DuckDBAppender } from '@duckdb/node-api';

const VARCHAR_LIST = LIST(VARCHAR);
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { Conversation, IngestRecord, Reject, Role, StoredFeedback, StoredTurn } from './model.js';
import type { NamedSignal, Verdict, AssistantTurnContext } from '../detectors/types.js';
import { isAmbiguous } from '../detectors/types.js';
import type { JudgedConversation } from '../builders/types.js';
import { hashUserKey } from './hash.js';
import { hackingFlags } from './plove/hacking.js';
import { MinerError, errorMessage } from './errors.js';

export const FUSION_VERSION = '1';

function findSqlDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'sql');
    if (existsSync(join(candidate, '001_init.sql'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('sql/ migrations directory not found');
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

export interface StoreOptions {
  readOnly?: boolean;
  /** Salt for user-key hashes; default: FEEDBACK_MINER_SALT, else a random salt kept in the store's meta table. */
  salt?: string;
  /** DuckDB memory_limit; default FEEDBACK_MINER_DUCKDB_MEMORY or 2GB (a 5M-turn mine completes within it, spilling to disk; 1GB runs out of memory in the merge). */
  memoryLimit?: string;
}

export interface MergeResult {
  turnsInserted: number;
  eventsInserted: number;
  /** Records identical to ones already stored (a replay): skipped silently. */
  replays: number;
  rejects: Reject[];
  touchedConversations: number;
}

export interface DetectionRow {
  ctx: AssistantTurnContext;
  signals: NamedSignal[];
  verdict: Verdict;
}

export class Store {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
    private salt: string,
    readonly readOnly: boolean,
  ) {}

  static async open(path: string, opts: StoreOptions = {}): Promise<Store> {
    const readOnly = opts.readOnly ?? false;
    if (path !== ':memory:') {
      if (readOnly && !existsSync(path)) throw new MinerError('STORE', `store ${path} does not exist (run \`feedback-miner mine\` first)`);
      mkdirSync(dirname(resolve(path)), { recursive: true });
    }
    let instance: DuckDBInstance;
    try {
      // A bounded memory limit makes DuckDB spill large sorts and joins to disk instead of growing with the input.
      const settings: Record<string, string> = { memory_limit: opts.memoryLimit ?? process.env.FEEDBACK_MINER_DUCKDB_MEMORY ?? '2GB' };
      if (readOnly) settings.access_mode = 'READ_ONLY';
      instance = await DuckDBInstance.create(path, settings);
    } catch (e) {
      throw new MinerError('STORE', `cannot open store ${path}: ${errorMessage(e)}`, { cause: e });
    }
    const conn = await instance.connect();
    const store = new Store(path, instance, conn, '', readOnly);
    if (!readOnly) await store.migrate();
    store.salt = opts.salt ?? process.env.FEEDBACK_MINER_SALT ?? (await store.storedSalt());
    return store;
  }

  private async storedSalt(): Promise<string> {
    const rows = await this.rows<{ value: string }>(`SELECT value FROM meta WHERE key = 'user_salt'`).catch(() => []);
    if (rows.length) return rows[0].value;
    if (this.readOnly) return '';
    const salt = randomBytes(16).toString('hex');
    await this.conn.run(`INSERT INTO meta VALUES ('user_salt', ${sqlString(salt)})`);
    return salt;
  }

  /** Apply every sql/NNN_*.sql not yet applied, in order, each in its own transaction. */
  async migrate(): Promise<number[]> {
    await this.conn.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)',
    );
    const done = new Set((await this.rows<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    const dir = findSqlDir();
    const applied: number[] = [];
    for (const f of readdirSync(dir).filter((n) => /^\d{3}_.*\.sql$/.test(n)).sort()) {
      const version = Number(f.slice(0, 3));
      if (done.has(version)) continue;
      const sql = readFileSync(join(dir, f), 'utf8');
      await this.conn.run('BEGIN TRANSACTION');
      try {
        await this.conn.run(sql);
        await this.conn.run(`INSERT INTO schema_migrations VALUES (${version}, ${sqlString(f)})`);
        await this.conn.run('COMMIT');
      } catch (e) {
        await this.conn.run('ROLLBACK');
        throw new MinerError('STORE', `migration ${f} failed: ${errorMessage(e)}`, { cause: e });
      }
      applied.push(version);
    }
    return applied;
  }

  async rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql);
    return reader.getRowObjectsJS() as T[];
  }

  async run(sql: string): Promise<void> {
    await this.conn.run(sql);
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const out = await fn();
      await this.conn.run('COMMIT');
      return out;
    } catch (e) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  // ---------------------------------------------------------------- ingest

  /** Start staging a batch of records; nothing reaches the tables until `merge()`. */
  async beginIngest(): Promise<IngestSession> {
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE stg_turns (
      seq BIGINT, conversation_id VARCHAR, turn_index INTEGER, message_id VARCHAR, role VARCHAR, content VARCHAR,
      ts VARCHAR, policy_version VARCHAR, user_hash VARCHAR, metadata VARCHAR, source_file VARCHAR, source_line BIGINT)`);
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE stg_feedback (
      seq BIGINT, event_id VARCHAR, message_id VARCHAR, kind VARCHAR, value DOUBLE, ts VARCHAR, user_hash VARCHAR,
      metadata VARCHAR, source_file VARCHAR, source_line BIGINT)`);
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE stg_rejects (file VARCHAR, line BIGINT, field VARCHAR, reason VARCHAR)`);
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE touched (conversation_id VARCHAR)`);
    return new IngestSession(
      this,
      await this.conn.createAppender('stg_turns', 'main', 'temp'),
      await this.conn.createAppender('stg_feedback', 'main', 'temp'),
      await this.conn.createAppender('stg_rejects', 'main', 'temp'),
      this.salt,
    );
  }

  // ---------------------------------------------------------------- reads

  /**
   * Stream whole conversations in turn order with their feedback attached.
   * scope 'touched': conversations changed by the last merge; 'all': every conversation.
   */
  async *conversations(scope: 'touched' | 'all' | { where: string } = 'all', pageSize = 2000): AsyncGenerator<Conversation> {
    for await (const j of this.judgedConversations(scope, pageSize, false)) yield j.conversation;
  }

  /** Like conversations(), with each judged assistant message's stored verdict attached (for the builders). */
  async *judgedConversations(
    scope: 'touched' | 'all' | { where: string } = 'all',
    pageSize = 2000,
    withVerdicts = true,
  ): AsyncGenerator<JudgedConversation> {
    const filter =
      scope === 'touched'
        ? 'WHERE t.conversation_id IN (SELECT conversation_id FROM touched)'
        : scope === 'all'
          ? ''
          : `WHERE t.conversation_id IN (SELECT conversation_id FROM turns WHERE ${scope.where})`;
    // Feedback is aggregated only for the messages in scope: a small scope (one daemon batch) must not pay for the
    // whole feedback table.
    const fbFilter = filter ? `WHERE message_id IN (SELECT t.message_id FROM turns t ${filter})` : '';
    const sql = `
      WITH fb AS (
        SELECT message_id,
               to_json(list(struct_pack(e := event_id, k := kind, v := value, t := strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ'), u := user_hash)
                            ORDER BY ts NULLS LAST, event_id))::VARCHAR AS events
        FROM feedback_events ${fbFilter} GROUP BY message_id)
      SELECT t.conversation_id, t.turn_index, t.message_id, t.role, t.content,
             strftime(t.ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, t.policy_version, t.user_hash, t.metadata::VARCHAR AS metadata,
             fb.events, ${withVerdicts ? `CASE WHEN v.message_id IS NULL THEN NULL ELSE to_json(struct_pack(label := v.label,
               dsatScore := v.dsat_score, categories := v.categories, confidence := v.confidence, agreed := v.agreed))::VARCHAR END` : 'NULL'} AS verdict
      FROM turns t LEFT JOIN fb USING (message_id) ${withVerdicts ? 'LEFT JOIN verdicts v USING (message_id)' : ''}
      ${filter}
`;
    await this.conn.run("SET TimeZone = 'UTC'");
    const state: { current: JudgedConversation | null } = { current: null };
    if (scope === 'touched') {
      const n = Number((await this.rows<{ n: bigint }>('SELECT count(*) AS n FROM touched'))[0].n);
      if (n <= pageSize) {
        // A small scope (a daemon batch) is read in one query: the paged path's fixed cost would dominate it.
        const reader = await this.conn.runAndReadAll(`${sql} ORDER BY t.conversation_id, t.turn_index`);
        yield* assembleConversations(reader.getColumns(), reader.currentRowCount, state);
        if (state.current) yield state.current;
        return;
      }
    }
    // Materialise the scope once, sorted and numbered in pages, then read page by page. A streaming result cannot be
    // held open here: the caller appends detections on this connection between pages, which would end the stream.
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE read_scope AS
      WITH conv AS (SELECT conversation_id, (row_number() OVER (ORDER BY conversation_id) - 1) // ${pageSize} AS page
                    FROM (SELECT DISTINCT t.conversation_id FROM turns t ${filter}))
      SELECT conv.page, q.* FROM (${sql}) q JOIN conv USING (conversation_id)
      ORDER BY conv.page, q.conversation_id, q.turn_index`);
    const pages = Number((await this.rows<{ n: bigint | null }>('SELECT max(page) AS n FROM read_scope'))[0].n ?? -1);
    for (let page = 0; page <= pages; page++) {
      const reader = await this.conn.runAndReadAll(
        `SELECT * EXCLUDE (page) FROM read_scope WHERE page = ${page} ORDER BY conversation_id, turn_index`,
      );
      yield* assembleConversations(reader.getColumns(), reader.currentRowCount, state);
    }
    if (state.current) yield state.current;
  }

  // ---------------------------------------------------------------- detections

  /**
   * Remove the signals of these detector versions, and the verdicts, of the conversations in scope, before
   * `appendDetections` writes the new ones. Run both inside one transaction so a crash leaves neither half-written.
   */
  async clearDetections(detectorVersions: Array<{ name: string; version: string }>, scope: 'touched' | 'all'): Promise<void> {
    const convFilter = scope === 'touched' ? 'conversation_id IN (SELECT conversation_id FROM touched)' : 'TRUE';
    if (detectorVersions.length) {
      const which = detectorVersions.map((d) => `(detector = ${sqlString(d.name)} AND detector_version = ${sqlString(d.version)})`).join(' OR ');
      await this.conn.run(`DELETE FROM signals WHERE ${convFilter} AND (${which})`);
    }
    await this.conn.run(`DELETE FROM verdicts WHERE ${convFilter}`);
    await this.conn.run(`DELETE FROM response_flags WHERE ${convFilter}`);
  }

  /** Bulk-append signals and verdicts through the Appender. */
  async appendDetections(rows: DetectionRow[]): Promise<void> {
    const sig = await this.conn.createAppender('signals');
    const ver = await this.conn.createAppender('verdicts');
    const flags = await this.conn.createAppender('response_flags');
    try {
      for (const { ctx, signals, verdict } of rows) {
        const t = ctx.assistantTurn;
        for (const s of signals) appendSignalRow(sig, t, s);
        ver.appendVarchar(t.messageId);
        ver.appendVarchar(t.conversationId);
        ver.appendInteger(t.turnIndex);
        ver.appendVarchar(verdict.label);
        ver.appendDouble(verdict.dsatScore);
        ver.appendList(verdict.categories, VARCHAR_LIST);
        ver.appendDouble(verdict.confidence);
        ver.appendList(verdict.agreed, VARCHAR_LIST);
        if (t.policyVersion) ver.appendVarchar(t.policyVersion);
        else ver.appendNull();
        ver.appendVarchar(FUSION_VERSION);
        ver.endRow();
        const f = hackingFlags(t.content);
        flags.appendVarchar(t.messageId);
        flags.appendVarchar(t.conversationId);
        if (t.policyVersion) flags.appendVarchar(t.policyVersion);
        else flags.appendNull();
        flags.appendBoolean(f.farewell);
        flags.appendBoolean(f.emojiHeavy);
        flags.appendBoolean(f.reactionBegging);
        flags.appendBoolean(f.gushing);
        flags.appendDouble(f.emojiDensity);
        flags.endRow();
      }
      sig.flushSync();
      ver.flushSync();
      flags.flushSync();
    } finally {
      sig.closeSync();
      ver.closeSync();
      flags.closeSync();
    }
  }

  close(): void {
    try {
      this.conn.closeSync();
    } finally {
      this.instance.closeSync();
    }
  }
}


/**
 * Turn rows (ordered by conversation, turn) into conversations; yields each one when the next begins and leaves the
 * last, possibly continued in the next page, in `state.current`.
 */
function* assembleConversations(cols: unknown[][], n: number, state: { current: JudgedConversation | null }): Generator<JudgedConversation> {
  for (let i = 0; i < n; i++) {
    const conversationId = cols[0][i] as string;
    let current = state.current;
    if (!current || current.conversation.conversationId !== conversationId) {
      if (current) yield current;
      current = state.current = { conversation: { conversationId, turns: [], feedback: new Map() }, verdicts: new Map() };
    }
    const meta = cols[8][i] as string | null;
    const turn: StoredTurn = {
      conversationId,
      turnIndex: Number(cols[1][i]),
      messageId: cols[2][i] as string,
      role: cols[3][i] as Role,
      content: cols[4][i] as string,
      ts: (cols[5][i] as string | null) ?? null,
      policyVersion: (cols[6][i] as string | null) ?? null,
      userHash: (cols[7][i] as string | null) ?? null,
      metadata: meta && meta !== '{}' ? JSON.parse(meta) : {},
    };
    current.conversation.turns.push(turn);
    const verdict = cols[10][i] as string | null;
    if (verdict) {
      const v = JSON.parse(verdict) as Verdict;
      current.verdicts.set(turn.messageId, { ...v, categories: v.categories ?? [], agreed: v.agreed ?? [] });
    }
    const events = cols[9][i] as string | null;
    if (events) {
      const parsed = JSON.parse(events) as Array<{ e: string; k: string; v: number | null; t: string | null; u: string | null }>;
      current.conversation.feedback.set(
        turn.messageId,
        parsed.map((p): StoredFeedback => ({ eventId: p.e, messageId: turn.messageId, kind: p.k, value: p.v, ts: p.t, userHash: p.u })),
      );
    }
  }
}

/** One `signals` row for a detector's answer about an assistant turn; a null answer leaves no row. */
export function appendSignalRow(app: DuckDBAppender, turn: { messageId: string; conversationId: string; turnIndex: number }, s: NamedSignal): void {
  if (s.result === null) return;
  app.appendVarchar(turn.messageId);
  app.appendVarchar(turn.conversationId);
  app.appendInteger(turn.turnIndex);
  app.appendVarchar(s.detector);
  app.appendVarchar(s.version);
  if (isAmbiguous(s.result)) {
    app.appendNull();
    app.appendBoolean(true);
    app.appendNull();
    app.appendNull();
    app.appendNull();
  } else {
    app.appendVarchar(s.result.label);
    app.appendBoolean(false);
    if (s.result.category) app.appendVarchar(s.result.category);
    else app.appendNull();
    app.appendDouble(s.result.score);
    app.appendDouble(s.result.confidence);
  }
  app.appendVarchar(s.result.evidence);
  app.endRow();
}

/** Stages records through appenders; `merge()` moves the accepted ones into the tables in one statement set. */
export class IngestSession {
  private seq = 0;
  private staged = 0;
  /** Users write many turns: remember recent hashes instead of an HMAC per record (bounded). */
  private userHashes = new Map<string, string>();
  constructor(
    private readonly store: Store,
    private readonly turns: DuckDBAppender,
    private readonly feedback: DuckDBAppender,
    private readonly rejectsApp: DuckDBAppender,
    private readonly salt: string,
  ) {}

  add(records: IngestRecord[]): void {
    const tA = this.turns;
    const fA = this.feedback;
    for (const r of records) {
      const seq = this.seq++;
      if (r.type === 'turn') {
        const t = r.turn;
        tA.appendBigInt(BigInt(seq));
        tA.appendVarchar(t.conversation_id);
        tA.appendInteger(t.turn_index);
        tA.appendVarchar(t.message_id);
        tA.appendVarchar(t.role);
        tA.appendVarchar(t.content);
        if (t.ts) tA.appendVarchar(t.ts);
        else tA.appendNull();
        if (t.policy_version) tA.appendVarchar(t.policy_version);
        else tA.appendNull();
        if (t.user_key) tA.appendVarchar(this.userHash(t.user_key));
        else tA.appendNull();
        tA.appendVarchar(JSON.stringify(t.metadata));
        tA.appendVarchar(r.origin.file);
        tA.appendBigInt(BigInt(r.origin.line));
        tA.endRow();
      } else {
        const e = r.event;
        fA.appendBigInt(BigInt(seq));
        fA.appendVarchar(e.event_id);
        fA.appendVarchar(e.message_id);
        fA.appendVarchar(e.kind);
        if (e.value === null) fA.appendNull();
        else fA.appendDouble(e.value);
        if (e.ts) fA.appendVarchar(e.ts);
        else fA.appendNull();
        if (e.user_key) fA.appendVarchar(this.userHash(e.user_key));
        else fA.appendNull();
        fA.appendVarchar(JSON.stringify(e.metadata));
        fA.appendVarchar(r.origin.file);
        fA.appendBigInt(BigInt(r.origin.line));
        fA.endRow();
      }
    }
    this.staged += records.length;
  }

  private userHash(key: string): string {
    let h = this.userHashes.get(key);
    if (h === undefined) {
      if (this.userHashes.size >= 100_000) this.userHashes.clear();
      h = hashUserKey(this.salt, key);
      this.userHashes.set(key, h);
    }
    return h;
  }

  addRejects(rejects: Reject[]): void {
    for (const r of rejects) {
      this.rejectsApp.appendVarchar(r.file);
      this.rejectsApp.appendBigInt(BigInt(r.line));
      this.rejectsApp.appendVarchar(r.field);
      this.rejectsApp.appendVarchar(r.reason);
      this.rejectsApp.endRow();
    }
  }

  /**
   * Move staged records into the tables. Rules: a message or event id seen twice in the input is a reject
   * (the first occurrence wins); an id already stored with identical content is a replay and is skipped silently;
   * an id already stored with different content, or a turn position taken by another message, is a reject.
   * Turns arriving late for a known conversation are simply added: reads order by turn_index.
   */
  async merge(): Promise<MergeResult> {
    this.turns.flushSync();
    this.feedback.flushSync();
    this.rejectsApp.flushSync();
    this.turns.closeSync();
    this.feedback.closeSync();
    this.rejectsApp.closeSync();
    const s = this.store;
    // Ranks over the narrow key columns only: a window over whole rows (content included) must hold them all in
    // memory at once, which failed at 5M turns under the memory limit.
    await s.run(`CREATE OR REPLACE TEMP TABLE stg_turns_ranked AS
      SELECT seq, row_number() OVER (PARTITION BY message_id ORDER BY seq) AS id_rank,
                first_value(source_file || ':' || source_line) OVER (PARTITION BY message_id ORDER BY seq) AS id_first,
                row_number() OVER (PARTITION BY conversation_id, turn_index ORDER BY seq) AS pos_rank
      FROM stg_turns`);
    // Classify every staged turn against the input itself and against what is stored.
    await s.run(`CREATE OR REPLACE TEMP TABLE stg_turns_class AS
      SELECT st.*,
        CASE
          WHEN r.id_rank > 1 THEN 'duplicate message_id in input (first at ' || r.id_first || ')'
          WHEN ex.message_id IS NOT NULL AND ex.conversation_id = st.conversation_id AND ex.turn_index = st.turn_index
               AND ex.content = st.content AND ex.role = st.role THEN 'replay'
          WHEN ex.message_id IS NOT NULL THEN 'message_id already stored with different content or position'
          WHEN r.pos_rank > 1 THEN 'turn_index already used by another message in this conversation'
          WHEN pos.message_id IS NOT NULL THEN 'turn_index already stored for message ' || pos.message_id
          ELSE NULL
        END AS verdict
      FROM stg_turns st JOIN stg_turns_ranked r USING (seq)
      LEFT JOIN turns ex ON ex.message_id = st.message_id
      LEFT JOIN turns pos ON pos.conversation_id = st.conversation_id AND pos.turn_index = st.turn_index
                         AND pos.message_id <> st.message_id`);
    await s.run(`CREATE OR REPLACE TEMP TABLE stg_fb_class AS
      WITH ranks AS (SELECT seq, row_number() OVER (PARTITION BY event_id ORDER BY seq) AS id_rank FROM stg_feedback),
      ranked AS (SELECT * FROM stg_feedback JOIN ranks USING (seq))
      SELECT r.*,
        CASE
          WHEN r.id_rank > 1 THEN 'duplicate event_id in input'
          WHEN ex.event_id IS NOT NULL AND ex.message_id = r.message_id AND ex.kind = r.kind THEN 'replay'
          WHEN ex.event_id IS NOT NULL THEN 'event_id already stored with different content'
          ELSE NULL
        END AS verdict
      FROM ranked r LEFT JOIN feedback_events ex ON ex.event_id = r.event_id`);
    const field = (v: string) => (v.includes('turn_index') ? 'turn_index' : v.includes('event_id') ? 'event_id' : 'message_id');
    const sqlRejects = await s.rows<{ file: string; line: bigint | number; verdict: string }>(`
      SELECT source_file AS file, source_line AS line, verdict FROM stg_turns_class WHERE verdict IS NOT NULL AND verdict <> 'replay'
      UNION ALL
      SELECT source_file, source_line, verdict FROM stg_fb_class WHERE verdict IS NOT NULL AND verdict <> 'replay'
      ORDER BY 1, 2`);
    const rejects: Reject[] = sqlRejects.map((r) => ({ file: r.file, line: Number(r.line), field: field(r.verdict), reason: r.verdict }));
    const counts = await s.rows<{ t: bigint; f: bigint; replays: bigint }>(`SELECT
      (SELECT count(*) FROM stg_turns_class WHERE verdict IS NULL) AS t,
      (SELECT count(*) FROM stg_fb_class WHERE verdict IS NULL) AS f,
      (SELECT count(*) FROM stg_turns_class WHERE verdict = 'replay') + (SELECT count(*) FROM stg_fb_class WHERE verdict = 'replay') AS replays`);
    await s.run("SET TimeZone = 'UTC'");
    await s.run(`INSERT INTO turns
      SELECT conversation_id, turn_index, message_id, role, content, CAST(ts AS TIMESTAMPTZ), policy_version, user_hash,
             CAST(metadata AS JSON), source_file, source_line
      FROM stg_turns_class WHERE verdict IS NULL ORDER BY conversation_id, turn_index`);
    await s.run(`INSERT INTO feedback_events
      SELECT event_id, message_id, kind, value, CAST(ts AS TIMESTAMPTZ), user_hash, CAST(metadata AS JSON), source_file, source_line
      FROM stg_fb_class WHERE verdict IS NULL ORDER BY event_id`);
    // Conversations whose evidence changed: new turns, or new feedback on a stored message.
    await s.run(`INSERT INTO touched
      SELECT DISTINCT conversation_id FROM (
        SELECT conversation_id FROM stg_turns_class WHERE verdict IS NULL
        UNION ALL
        SELECT t.conversation_id FROM stg_fb_class f JOIN turns t USING (message_id) WHERE f.verdict IS NULL)`);
    // Rejects are kept for analysts too; (file, line, field, reason) is the identity, so re-mining adds nothing.
    await s.run(`INSERT INTO stg_rejects
      SELECT source_file, source_line, CASE WHEN verdict LIKE '%turn_index%' THEN 'turn_index' ELSE 'message_id' END, verdict
      FROM stg_turns_class WHERE verdict IS NOT NULL AND verdict <> 'replay'
      UNION ALL
      SELECT source_file, source_line, 'event_id', verdict FROM stg_fb_class WHERE verdict IS NOT NULL AND verdict <> 'replay'`);
    await s.run(`INSERT INTO rejects SELECT DISTINCT * FROM stg_rejects r
      WHERE NOT EXISTS (SELECT 1 FROM rejects x WHERE x.file = r.file AND x.line = r.line AND x.field = r.field AND x.reason = r.reason)
      ORDER BY file, line, field`);
    const touched = await s.rows<{ n: bigint }>('SELECT count(*) AS n FROM touched');
    return {
      turnsInserted: Number(counts[0].t),
      eventsInserted: Number(counts[0].f),
      replays: Number(counts[0].replays),
      rejects,
      touchedConversations: Number(touched[0].n),
    };
  }
}
