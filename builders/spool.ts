// An append-only list of built records kept in a temporary JSONL file, so a release can hold more rows than fit in
// memory: the build writes survivors here and the release writer streams them back.
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BuiltRecord } from './types.js';

const FLUSH_CHARS = 1 << 20;

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
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  push(r: BuiltRecord): void {
    if (this.fd === null) throw new Error(`spool ${this.path} is sealed`);
    const line = JSON.stringify(r) + '\n';
    this.pending.push(line);
    this.pendingChars += line.length;
    this.length++;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0 || this.fd === null) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
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
