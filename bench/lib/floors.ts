// Floors for the batch benchmark, each run as its own child process on the same file as `mine`: the least work any
// JSONL reader must do (JSON.parse of every line), DuckDB's own JSON reader, and the project's file connector alone.
// Usage: node --import tsx bench/lib/floors.ts json-parse|duckdb|read-parse FILE   (prints one JSON line)
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';

type Mode = 'json-parse' | 'duckdb' | 'read-parse';

/** Stream the file in 1 MiB chunks, cut lines on '\n' and JSON.parse each: what every reader has to pay. */
async function jsonParseFloor(file: string) {
  let lines = 0;
  let turns = 0;
  let rest: Buffer | null = null;
  const parse = (b: Buffer) => {
    if (b.length === 0) return;
    const rec = JSON.parse(b.toString('utf8')) as { type?: string };
    lines++;
    if (rec.type === 'turn') turns++; // touch the result so the parse cannot be skipped
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      parse(buf.subarray(start, nl));
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : null;
  }
  if (rest) parse(rest);
  return { lines, turns };
}

/** DuckDB read_json over the file (2 threads, the machine's cores); sums content lengths so the column is read. */
async function duckdbFloor(file: string) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  const path = resolve(file).replace(/'/g, "''");
  const reader = await conn.runAndReadAll(
    `SELECT count(*) AS lines, count(*) FILTER (WHERE type = 'turn') AS turns, sum(length(content)) AS chars
     FROM read_json('${path}', format = 'newline_delimited')`,
  );
  const row = reader.getRowObjects()[0] as { lines: bigint; turns: bigint; chars: bigint };
  conn.closeSync();
  instance.closeSync();
  return { lines: Number(row.lines), turns: Number(row.turns), chars: Number(row.chars) };
}

/** The compiled file connector (read, split, parse, validate, normalise) with no store behind it. */
async function readParse(file: string) {
  const url = new URL('../../dist/connectors/files.js', import.meta.url);
  const { readFileRecords } = (await import(url.href)) as typeof import('../../connectors/files.js');
  let records = 0;
  let turns = 0;
  let rejects = 0;
  let lines = 0;
  for await (const batch of readFileRecords(file)) {
    records += batch.records.length;
    for (const r of batch.records) if (r.type === 'turn') turns++;
    rejects += batch.rejects.length;
    lines = batch.linesRead;
  }
  return { lines, records, turns, rejects };
}

const [mode, file] = process.argv.slice(2) as [Mode, string];
const modes: Record<Mode, (f: string) => Promise<object>> = { 'json-parse': jsonParseFloor, duckdb: duckdbFloor, 'read-parse': readParse };
if (!modes[mode] || !file) {
  process.stderr.write('usage: floors.ts json-parse|duckdb|read-parse FILE\n');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const result = await modes[mode](file);
process.stdout.write(JSON.stringify({ mode, file, ...result, seconds: Number(process.hrtime.bigint() - t0) / 1e9 }) + '\n');
