// An append-only list of built records kept in a temporary JSONL file, so a release can hold more rows than fit in
// memory: the build writes survivors here and the release writer streams them back.
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BuiltRecord } from './types.js';

const FLUSH_CHARS = 1 << 20;

/** Lines gathered into ~1 MiB chunks, so files are written in a few large writes instead of one per line. */
export class LineBatch {
  private lines: string[] = [];
  private chars = 0;

  /** Adds a line; true when the batch is full and should be taken. */
  add(line: string): boolean {
    this.lines.push(line);
    this.chars += line.length;
    return this.chars >= FLUSH_CHARS;
  }

  /** The gathered text ('' when empty); the batch starts over. */
  take(): string {
    const text = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    return text;
  }
}

/** A directory of spools that is removed as a whole when the build is done with it. */
export class SpoolDir {
  readonly path: string;
  private next = 0;
  constructor(parent?: string) {
    if (parent) {
      mkdirSync(parent, { recursive: true });
      this.path = parent;
    } else this.path = mkdtempSync(join(tmpdir(), 'fm-spool-'));
  }
  spool(label: string): RecordSpool {
    return new RecordSpool(join(this.path, `${String(this.next++).padStart(3, '0')}-${label}.jsonl`));
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true, maxRetries: 5 });
  }
}

export class RecordSpool implements AsyncIterable<BuiltRecord> {
  /** Records pushed so far. */
  length = 0;
  private fd: number | null;
  private pending = new LineBatch();

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  push(r: BuiltRecord): void {
    if (this.fd === null) throw new Error(`spool ${this.path} is sealed`);
    this.length++;
    if (this.pending.add(JSON.stringify(r) + '\n')) this.flush();
  }

  private flush(): void {
    const text = this.pending.take();
    if (text && this.fd !== null) writeSync(this.fd, text);
  }

  /** Stop accepting records; reading seals implicitly. */
  seal(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BuiltRecord> {
    this.seal();
    if (this.length === 0) return;
    const lines = createInterface({ input: createReadStream(this.path, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
    for await (const line of lines) if (line) yield JSON.parse(line) as BuiltRecord;
  }

  async toArray(): Promise<BuiltRecord[]> {
    const out: BuiltRecord[] = [];
    for await (const r of this) out.push(r);
    return out;
  }
}
