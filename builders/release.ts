// Release writer: lays a BuildResult out as DIR/NAME/<version>/ (train/test files per output and format, a
// manifest and a dataset card). Written to a temporary directory and renamed when whole; same input and config
// give byte-identical files.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { createReadStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { BUILDERS_VERSION, FILE_TYPES, FORMATS, configHash, stableStringify, type FileType, type Format, type ReleaseConfig } from './config.js';
import { FORMAT_SPECS, type OutputName } from './formats.js';
import { buildRelease, type BuildResult } from './pipeline.js';
import type { ChosenClientOptions } from './chosen.js';
import type { BuiltRecord, JudgedConversation } from './types.js';
import { LineBatch } from './spool.js';

export const OUTPUT_NAMES = ['drift', 'drift_pairs', 'revision', 'ranked', 'kto'] as const satisfies readonly OutputName[];
const SPLITS = ['train', 'test'] as const;

export interface WriteReleaseOptions {
  outDir: string;
  name: string;
  /** Explicit version; default is derived from the config hash, input watermark and content. */
  version?: string;
  result: BuildResult;
  /** High-water mark of the input (e.g. max ingested ts or offset); the only time-like value in the files. */
  inputWatermark?: string | null;
  detectorVersions?: Record<string, string>;
  manifestExtras?: Record<string, unknown>;
  /** Called after each file is complete; a throw aborts the release (used to test crash safety). */
  onFileWritten?: (relPath: string) => void | Promise<void>;
}

export interface ReleaseFile {
  path: string;
  rows: number | null;
  bytes: number;
  sha256: string;
}

export interface ReleaseInfo {
  dir: string;
  version: string;
  /** True when an identical release already existed and nothing was written. */
  existed: boolean;
  files: ReleaseFile[];
  manifest: Record<string, unknown>;
}

export class ReleaseExistsError extends Error {
  readonly retriable = false;
  constructor(dir: string) {
    super(`release directory ${dir} already exists with different content; pick another version`);
    this.name = 'ReleaseExistsError';
  }
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function outputSource(result: BuildResult, output: OutputName, split: 'train' | 'test'): AsyncIterable<BuiltRecord> {
  if (output !== 'drift_pairs') return result.rows[output][split];
  const drift = result.rows.drift[split];
  return (async function* () {
    for await (const r of drift) if (r.chosen) yield r;
  })();
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

async function writeDurable(path: string, data: string): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where a build of release `name` spools its rows: beside the releases, so a crash leaves nothing in /tmp. */
export function spoolDirFor(outDir: string, name: string): string {
  return join(outDir, name, `.spool-${process.pid}`);
}

/** Remove temp dirs and spools left by crashed writers (their pid is gone). */
async function removeStaleTemps(nameDir: string): Promise<void> {
  if (!existsSync(nameDir)) return;
  for (const e of await readdir(nameDir)) {
    const m = e.startsWith('.tmp-') || e.startsWith('.spool-') ? /-(\d+)$/.exec(e) : null;
    if (!m) continue;
    // Our own leftover temp dir is stale too; our own spool is the build being written.
    const stale = !pidAlive(Number(m[1])) || (Number(m[1]) === process.pid && e.startsWith('.tmp-'));
    if (stale) await rm(join(nameDir, e), { recursive: true, force: true });
  }
}

/** A JSONL file written durably and hashed as it grows; rows the format cannot express are counted. */
class JsonlSink {
  rows = 0;
  skipped = 0;
  bytes = 0;
  private hash = createHash('sha256');
  private pending = new LineBatch();
  /** UTF-16 length of the longest line (at most a third of its UTF-8 bytes). */
  private longestLine = 0;
  private constructor(
    private readonly fh: FileHandle,
    private readonly toRow: (r: BuiltRecord) => Record<string, unknown> | null,
  ) {}

  static async open(path: string, toRow: (r: BuiltRecord) => Record<string, unknown> | null): Promise<JsonlSink> {
    return new JsonlSink(await open(path, 'w'), toRow);
  }

  async add(r: BuiltRecord): Promise<void> {
    const row = this.toRow(r);
    if (!row) {
      this.skipped++;
      return;
    }
    this.rows++;
    const line = JSON.stringify(row) + '\n';
    if (line.length > this.longestLine) this.longestLine = line.length;
    if (this.pending.add(line)) await this.flush();
  }

  private async flush(): Promise<void> {
    const text = this.pending.take();
    if (!text) return;
    const chunk = Buffer.from(text, 'utf8');
    this.hash.update(chunk);
    this.bytes += chunk.length;
    await this.fh.write(chunk);
  }

  async close(): Promise<{ rows: number; skipped: number; sha: string; bytes: number; longestLineBytes: number }> {
    try {
      await this.flush();
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
    return { rows: this.rows, skipped: this.skipped, sha: this.hash.digest('hex'), bytes: this.bytes, longestLineBytes: this.longestLine * 3 };
  }
}

/**
 * Reader and writer sizes for turning a JSONL file into Parquet with bounded memory. DuckDB's JSON reader allocates
 * buffers of `maximum_object_size`, so it is fitted to the longest line (at least 16 MiB) rather than set huge (1 GiB
 * cost ~900 MiB of RSS and twice the time on a 1 GB file); row groups hold about 64 MiB of JSON text instead of
 * 122,880 rows whatever their size (a 1 GB KTO file of 594,456 rows: peak RSS 1,697 MiB before, 427 MiB after).
 */
export function parquetSizing(file: { rows: number; bytes: number; longestLineBytes: number }): { maxObjectSize: number; rowGroupRows: number } {
  const MiB = 1 << 20;
  const maxObjectSize = Math.max(16 * MiB, Math.ceil((file.longestLineBytes + 1) / MiB) * MiB);
  const avg = file.rows > 0 ? file.bytes / file.rows : 1;
  const rowGroupRows = Math.min(122_880, Math.max(2_048, Math.round((64 * MiB) / avg)));
  return { maxObjectSize, rowGroupRows };
}

async function hashFile(path: string): Promise<{ sha: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha: hash.digest('hex'), bytes };
}

function datasetCard(name: string, version: string, manifest: Record<string, unknown>, configs: { config: string; files: Record<string, string> }[]): string {
  const counts = manifest.counts as Record<string, { train: number; test: number }>;
  const dropped = manifest.dropped as Record<string, Record<string, number>>;
  const lines: string[] = ['---', 'configs:'];
  for (const c of configs) {
    lines.push(`- config_name: ${c.config}`, '  data_files:');
    for (const [split, path] of Object.entries(c.files)) lines.push(`  - split: ${split}`, `    path: ${path}`);
  }
  lines.push('---', '', `# ${name} ${version}`, '');
  lines.push(
    'Preference data mined from implicit user feedback in chat logs (feedback-miner). Every text passed PII and',
    'secret redaction (typed placeholders such as `[EMAIL]`), exact and near-duplicate removal, benchmark',
    'decontamination when configured, a per-user cap, and a train/test split by conversation hash.',
    '',
    '## Outputs',
    '',
    '| output | what it is | train | test |',
    '|---|---|---|---|',
  );
  const what: Record<string, string> = {
    drift: 'DRIFT rows: prompt, rejected (logged DSAT answer), user_preference (the complaint); sample chosen from the policy being trained',
    drift_pairs: 'DRIFT rows whose chosen was filled from an endpoint',
    revision: 'DSAT answer (rejected) vs the later revision that drew SAT (chosen)',
    ranked: 'best vs worst scored candidate for one prompt (regenerations or supplied candidates)',
    kto: 'unpaired rows: SAT answers label true, DSAT answers label false',
  };
  for (const [out, c] of Object.entries(counts)) lines.push(`| ${out} | ${what[out]} | ${c.train} | ${c.test} |`);
  lines.push('', '## Formats', '');
  lines.push(
    '- `trl`: TRL conversational (`prompt`/`chosen`/`rejected` message lists; KTO `prompt`/`completion`/`label`).',
    '- `openai`: OpenAI preference fine-tuning (`input.messages`, `preferred_output`, `non_preferred_output`).',
    '- `openrlhf`: OpenRLHF keys: `--prompt_key prompt --chosen_key chosen --rejected_key rejected --apply_chat_template` (optional `margin`);',
    '  KTO `--output_key output --label_key label --apply_chat_template` (`output` is the whole conversation, `label` 1/0).',
    '',
    'Audit columns (ignored by trainers): `id, source_method, conversation_id, turn_index, policy_version, signal,',
    'category, confidence, user_hash, len_chosen, len_rejected`.',
    '',
    '## Rows dropped by filter',
    '',
    '| filter | ' + Object.keys(Object.values(dropped)[0] ?? {}).join(' | ') + ' |',
    '|---|' + Object.keys(Object.values(dropped)[0] ?? {}).map(() => '---|').join(''),
  );
  for (const [f, per] of Object.entries(dropped)) lines.push(`| ${f} | ${Object.values(per).join(' | ')} |`);
  lines.push(
    '',
    '## Caveats',
    '',
    '- Labels come from implicit feedback (selection bias: people speak up when unhappy); treat them as noisy.',
    '- Logged answers are on-policy negatives only for the `policy_version` that produced them.',
    '- See manifest.json for counts per category and policy version, the length-bias report and file hashes.',
    '',
  );
  return lines.join('\n');
}

export async function writeRelease(opts: WriteReleaseOptions): Promise<ReleaseInfo> {
  const { result } = opts;
  const cfg = result.config;
  if (!SAFE_NAME.test(opts.name)) throw new Error(`release name "${opts.name}" must match ${SAFE_NAME}`);
  const cHash = configHash(cfg);
  const watermark = opts.inputWatermark ?? null;

  // Files are streamed to a temporary directory (a release can be larger than any one string); their hashes fix the
  // content digest and hence the version, and the directory is renamed to that version when whole.
  const formats = FORMATS.filter((f) => cfg.formats.includes(f));
  const fileTypes = FILE_TYPES.filter((t) => cfg.fileTypes.includes(t));
  const planned: { output: OutputName; format: Format; split: 'train' | 'test'; rows: number; sha: string }[] = [];
  const skipped: Record<string, number> = {};
  const hasDrift = cfg.builders.includes('drift');

  const nameDir = join(opts.outDir, opts.name);
  await mkdir(nameDir, { recursive: true });
  await removeStaleTemps(nameDir);
  const tmpDir = join(nameDir, `.tmp-build-${process.pid}`);
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });

  const files: ReleaseFile[] = [];
  const record = async (rel: string, rows: number | null, known?: { sha: string; bytes: number }) => {
    const { sha, bytes } = known ?? (await hashFile(join(tmpDir, rel)));
    files.push({ path: rel, rows, bytes, sha256: sha });
    await opts.onFileWritten?.(rel);
  };
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await db.connect();
  try {
    const cardConfigs: { config: string; files: Record<string, string> }[] = [];
    const counts: Record<string, { train: number; test: number; by_category: Record<string, number>; by_policy_version: Record<string, number>; by_label?: Record<string, number> }> = {};
    const sqlPath = (x: string) => `'${x.replace(/'/g, "''")}'`;
    for (const output of OUTPUT_NAMES) {
      const builder = output === 'drift_pairs' ? 'drift' : output;
      if (!cfg.builders.includes(builder)) continue;
      if (output === 'drift_pairs' && !(hasDrift && (result.chosenFill?.filled ?? 0) > 0)) continue;
      const outFormats = formats.filter((f) => FORMAT_SPECS[output][f]);
      if (outFormats.length === 0) continue;
      const c = (counts[output] = { train: 0, test: 0, by_category: {}, by_policy_version: {}, ...(output === 'kto' ? { by_label: {} } : {}) });
      for (const split of SPLITS) {
        // One pass over the spooled rows feeds every format's file.
        const sinks = new Map<Format, JsonlSink>();
        for (const format of outFormats) {
          const base = `${output}/${format}/${split}`;
          await mkdir(dirname(join(tmpDir, base)), { recursive: true });
          sinks.set(format, await JsonlSink.open(join(tmpDir, `${base}.jsonl`), FORMAT_SPECS[output][format]!.row));
        }
        for await (const r of outputSource(result, output, split)) {
          c[split]++;
          bump(c.by_category, r.meta.category ?? 'none');
          bump(c.by_policy_version, r.meta.policy_version ?? 'unknown');
          if (c.by_label) bump(c.by_label, String(r.label));
          for (const sink of sinks.values()) await sink.add(r);
        }
        for (const [format, sink] of sinks) {
          const base = `${output}/${format}/${split}`;
          const jsonlPath = join(tmpDir, `${base}.jsonl`);
          const written = await sink.close();
          if (written.skipped) skipped[`${output}/${format}`] = (skipped[`${output}/${format}`] ?? 0) + written.skipped;
          planned.push({ output, format, split, rows: written.rows, sha: written.sha });
          if (fileTypes.includes('jsonl')) await record(`${base}.jsonl`, written.rows, written);
          if (fileTypes.includes('parquet')) {
            // DuckDB turns the JSONL into Parquet with explicit types, so message lists become list<struct<role,
            // content>> even when a split is empty; one thread keeps row order and bytes stable.
            const cols = Object.entries(FORMAT_SPECS[output][format]!.columns)
              .map(([k, t]) => `'${k}': '${t}'`)
              .join(', ');
            const { maxObjectSize, rowGroupRows } = parquetSizing(written);
            await conn.run(
              `COPY (SELECT * FROM read_json(${sqlPath(jsonlPath)}, format='newline_delimited', columns={${cols}}, maximum_object_size=${maxObjectSize})) ` +
                `TO ${sqlPath(join(tmpDir, `${base}.parquet`))} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupRows})`,
            );
            await syncPath(join(tmpDir, `${base}.parquet`));
            await record(`${base}.parquet`, written.rows);
          }
          if (!fileTypes.includes('jsonl')) await rm(jsonlPath);
        }
      }
      const ext = fileTypes.includes('jsonl') ? 'jsonl' : 'parquet';
      for (const format of outFormats)
        cardConfigs.push({ config: `${output}_${format}`, files: { train: `${output}/${format}/train.${ext}`, test: `${output}/${format}/test.${ext}` } });
    }
    // The content digest lists files in output, format, split order.
    const rank = (p: (typeof planned)[number]) => [OUTPUT_NAMES.indexOf(p.output as (typeof OUTPUT_NAMES)[number]), FORMATS.indexOf(p.format), SPLITS.indexOf(p.split)];
    planned.sort((a, b) => {
      const [x, y] = [rank(a), rank(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
    const contentDigest = sha256(planned.map((p) => `${p.output}/${p.format}/${p.split}\n${p.sha}`).join('\u0000'));
    const version = opts.version ?? `v${sha256(`${cHash}\u0000${watermark ?? ''}\u0000${contentDigest}`).slice(0, 12)}`;
    if (!SAFE_NAME.test(version)) throw new Error(`release version "${version}" must match ${SAFE_NAME}`);
    const finalDir = join(nameDir, version);
    if (existsSync(finalDir)) {
      const manifest = JSON.parse(await readFile(join(finalDir, 'manifest.json'), 'utf8'));
      if (manifest.content_digest !== contentDigest || manifest.config_hash !== cHash) throw new ReleaseExistsError(finalDir);
      await rm(tmpDir, { recursive: true, force: true });
      return { dir: finalDir, version, existed: true, files: manifest.files, manifest };
    }

    const manifestBase = {
      name: opts.name,
      version,
      builders_version: BUILDERS_VERSION,
      config: cfg,
      config_hash: cHash,
      input_watermark: watermark,
      content_digest: contentDigest,
      conversations: result.conversations,
      detector_versions: opts.detectorVersions ?? {},
      counts,
      dropped: result.dropped,
      skipped_by_format: skipped,
      redactions: result.redactions,
      length_report: Object.fromEntries(
        Object.entries(result.lengthReport).map(([b, r]) => [
          b,
          {
            pairs: r.pairs,
            chosen_longer: r.chosenLongerBefore,
            share_chosen_longer: r.shareChosenLongerBefore,
            pairs_after_balance: r.pairsAfter,
            share_chosen_longer_after_balance: r.shareChosenLongerAfter,
          },
        ]),
      ),
      drift_chosen_fill: result.chosenFill,
      extras: opts.manifestExtras ?? {},
    };
    await writeDurable(join(tmpDir, 'README.md'), datasetCard(opts.name, version, manifestBase, cardConfigs));
    await record('README.md', null);
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const manifest = { ...manifestBase, files };
    await writeDurable(join(tmpDir, 'manifest.json'), stableStringify(manifest, 2) + '\n');
    await opts.onFileWritten?.('manifest.json');
    await syncPath(tmpDir);
    if (existsSync(finalDir)) throw new ReleaseExistsError(finalDir); // another writer finished first
    await rename(tmpDir, finalDir);
    await syncPath(nameDir);
    return { dir: finalDir, version, existed: false, files, manifest };
  } catch (e) {
    await rm(tmpDir, { recursive: true, force: true });
    throw e;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Check every file of a written release against its manifest hash; returns the mismatching paths. */
export async function verifyRelease(dir: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files: ReleaseFile[] };
  const bad: string[] = [];
  for (const f of manifest.files) {
    const p = join(dir, f.path);
    if (!existsSync(p) || (await stat(p)).size !== f.bytes || (await hashFile(p)).sha !== f.sha256) bad.push(f.path);
  }
  return bad;
}

/**
 * What `mine`, `build` and `batch` do with judged conversations: build them through the builders (spooled under the
 * release name) and write one atomic release; the build's temporary spools are removed whether or not it lands.
 * The result keeps its counts, config and drops for the caller's summary and release statistics.
 */
export async function buildAndWriteRelease(
  judged: AsyncIterable<JudgedConversation>,
  config: ReleaseConfig,
  o: Omit<WriteReleaseOptions, 'result' | 'onFileWritten'> & { chosenFrom?: ChosenClientOptions },
): Promise<{ result: BuildResult; info: ReleaseInfo }> {
  const result = await buildRelease(judged, config, { spoolDir: spoolDirFor(o.outDir, o.name), chosenFrom: o.chosenFrom });
  try {
    const { chosenFrom: _chosen, ...write } = o;
    return { result, info: await writeRelease({ ...write, result }) };
  } finally {
    result.dispose();
  }
}
