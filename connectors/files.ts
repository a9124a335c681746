// File connector: streams JSONL (plain or gzip) and Parquet files record by record, detects the layout per file,
// and hands canonical records (or rejects naming file, line and field) to the pipeline. Never loads a whole file.
import { createReadStream, statSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { IngestRecord, Reject } from '../src/model.js';
import { detectLayout, normaliseRecord, type Layout, type NormaliseOptions } from './formats.js';
import { MinerError, errorMessage } from '../src/errors.js';

export interface ReadOptions extends NormaliseOptions {
  /** Force a layout instead of detecting it from the first record. */
  format?: Layout | 'auto';
  /** Lines longer than this are rejected without being parsed (memory guard). */
  maxLineBytes?: number;
}

export interface RecordBatch {
  records: IngestRecord[];
  rejects: Reject[];
  /** Lines (or Parquet rows) consumed so far in this file. */
  linesRead: number;
  /** The file's layout, once known. */
  layout?: Layout | null;
}

const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const INPUT_EXTENSIONS = ['.jsonl', '.jsonl.gz', '.json', '.json.gz', '.ndjson', '.ndjson.gz', '.parquet'];

/** Expand directories into the input files under them (sorted, so runs are reproducible). */
export function expandInputs(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new MinerError('BAD_INPUT', `${p}: no such file or directory`);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        const child = join(p, e);
        const cst = statSync(child);
        if (cst.isDirectory() || INPUT_EXTENSIONS.some((x) => e.endsWith(x))) walk(child);
      }
    } else out.push(p);
  };
  for (const p of paths) walk(p);
  return out;
}

/**
 * Iterate a stream's chunks, delivering everything emitted before an error and only then throwing. (A stream's own
 * async iterator drops buffered data on error; for a truncated gzip that would lose good lines before the cut.)
 */
async function* chunksUntilError(stream: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let error: Error | null = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  stream.on('data', (c: Buffer) => {
    queue.push(c);
    if (queue.length >= 32) stream.pause();
    poke();
  });
  stream.on('error', (e) => {
    error = e;
    poke();
  });
  stream.on('end', () => {
    ended = true;
    poke();
  });
  for (;;) {
    const c = queue.shift();
    if (c) {
      if (queue.length < 8 && stream.isPaused()) stream.resume();
      yield c;
      continue;
    }
    if (error) throw error;
    if (ended) return;
    await new Promise<void>((r) => (wake = r));
  }
}

/** Split a byte stream into lines on '\n' (bytes, so multi-byte characters never straddle a cut). */
async function* byteLines(stream: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<Buffer | null> {
  let rest: Buffer | null = null;
  let overlong = false;
  for await (const chunk of stream) {
    let start = 0;
    let buf: Buffer = chunk;
    if (rest) {
      buf = Buffer.concat([rest, chunk]);
      rest = null;
    }
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      if (overlong) {
        overlong = false;
        yield null; // the overlong line ends here
      } else yield buf.subarray(start, nl);
      start = nl + 1;
    }
    if (start < buf.length) {
      if (overlong) continue;
      rest = buf.subarray(start);
      if (rest.length > maxLineBytes) {
        rest = null;
        overlong = true;
      }
    }
  }
  if (overlong) yield null;
  else if (rest && rest.length) yield rest;
}

/** Stream one file as batches of canonical records and rejects. Errors in the file become rejects, not throws. */
export async function* readFileRecords(file: string, opts: ReadOptions = {}): AsyncGenerator<RecordBatch> {
  if (file.endsWith('.parquet')) {
    yield* readParquetRecords(file, opts);
    return;
  }
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let layout: Layout | null = opts.format && opts.format !== 'auto' ? opts.format : null;
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const gz = file.endsWith('.gz');
  const input = gz ? raw.pipe(createGunzip()) : raw;
  if (gz) raw.on('error', (e) => input.destroy(e));
  let line = 0;
  let batch: RecordBatch = { records: [], rejects: [], linesRead: 0 };
  const reject = (field: string, reason: string) => batch.rejects.push({ file, line, field, reason });
  try {
    for await (const bytes of byteLines(chunksUntilError(input), maxLineBytes)) {
      line++;
      if (bytes === null) {
        reject('(line)', `line longer than ${maxLineBytes} bytes`);
        continue;
      }
      const text = bytes.toString('utf8').trim();
      if (text.length === 0) continue;
      let rec: unknown;
      try {
        rec = JSON.parse(text);
      } catch (e) {
        reject('(json)', `invalid JSON: ${errorMessage(e)}`);
        continue;
      }
      if (!layout) {
        layout = detectLayout(rec);
        if (!layout) {
          reject('(record)', 'unrecognised record layout (use --format to force one)');
          continue;
        }
      }
      const res = normaliseRecord(rec, layout, { file, line }, opts);
      for (const r of res.records) batch.records.push(r);
      for (const r of res.rejects) batch.rejects.push(r);
      if (batch.records.length >= 2048) {
        batch.linesRead = line;
        batch.layout = layout;
        yield batch;
        batch = { records: [], rejects: [], linesRead: 0 };
      }
    }
  } catch (e) {
    // A stream error (truncated or corrupt gzip, unreadable file): keep what was read, reject the rest.
    const what = gz ? 'gzip stream truncated or corrupt' : 'read error';
    batch.rejects.push({ file, line: line + 1, field: '(file)', reason: `${what}: ${errorMessage(e)}; later lines lost` });
  }
  batch.linesRead = line;
  batch.layout = layout;
  yield batch;
}

async function* readParquetRecords(file: string, opts: ReadOptions): AsyncGenerator<RecordBatch> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  let layout: Layout | null = opts.format && opts.format !== 'auto' ? opts.format : null;
  let row = 0;
  try {
    // to_json keeps nested lists/structs as plain JSON, the same shape the JSONL path sees.
    const esc = resolve(file).replace(/'/g, "''");
    const result = await conn.stream(`SELECT to_json(p)::VARCHAR AS j FROM read_parquet('${esc}') p`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const batch: RecordBatch = { records: [], rejects: [], linesRead: 0 };
      for (const v of chunk.getColumns()[0]) {
        row++;
        const rec = JSON.parse(String(v));
        if (!layout) layout = detectLayout(rec);
        if (!layout) {
          batch.rejects.push({ file, line: row, field: '(record)', reason: 'unrecognised record layout (use --format)' });
          continue;
        }
        const res = normaliseRecord(rec, layout, { file, line: row }, opts);
        batch.records.push(...res.records);
        batch.rejects.push(...res.rejects);
      }
      batch.linesRead = row;
      batch.layout = layout;
      yield batch;
    }
  } catch (e) {
    yield { records: [], rejects: [{ file, line: row + 1, field: '(file)', reason: `unreadable Parquet: ${errorMessage(e)}` }], linesRead: row };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
