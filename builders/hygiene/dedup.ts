// Exact and near-duplicate removal: a digest of the normalised text, then one-permutation MinHash signatures over
// word shingles with LSH banding to find candidate pairs, confirmed by the estimated Jaccard similarity.
import { hash as oneShotHash } from 'node:crypto';
import { fnv1a } from '../../src/hashing.js';

const NUM_HASHES = 128;
const BIN_SHIFT = 25; // 32 - log2(NUM_HASHES): a hash's top 7 bits choose its bin
// 16 bands of 8 rows: the LSH S-curve turns at ~0.71 Jaccard, so pairs at the default 0.8 threshold collide with
// p ≈ 0.95 (0.85: 0.99) while templated-but-different texts (~0.5) rarely become candidates. With 4-row bands nearly
// every pair of similar-looking records was a candidate and the check went quadratic (100k turns: 5 s in dedup).
const BANDS = 16;
const SIGS_PER_BLOCK = 4096;

export function normaliseText(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').trim();
}

// murmur3 finaliser of (x xor seed): a cheap, well-mixed family of hash functions.
function mix(x: number, seed: number): number {
  let h = (x ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

let wordHashes: Uint32Array = new Uint32Array(1024);

/**
 * Calls `each` with the hash of every word `size`-gram of normalised text (one hash of the whole text when it has no
 * more than `size` words). Word hashes are FNV-1a over the UTF-16 code units, computed in one pass without splitting.
 */
function forEachShingle(norm: string, size: number, each: (h: number) => void): void {
  let n = 0;
  let h = 0x811c9dc5;
  let inWord = false;
  // One step past the end reads as a space, so the last word is stored like the others.
  for (let i = 0; i <= norm.length; i++) {
    const c = i < norm.length ? norm.charCodeAt(i) : 32;
    if (c !== 32) {
      h = Math.imul(h ^ c, 0x01000193);
      inWord = true;
    } else if (inWord) {
      if (n === wordHashes.length) wordHashes = growTo(wordHashes, n * 2);
      wordHashes[n++] = h >>> 0;
      h = 0x811c9dc5;
      inWord = false;
    }
  }
  if (n <= size) {
    each(fnv1a(norm));
    return;
  }
  for (let i = 0; i + size <= n; i++) {
    // Order-sensitive combination of the gram's word hashes (no string building per gram).
    let g = 0x811c9dc5;
    for (let k = i; k < i + size; k++) g = mix(g ^ wordHashes[k], 0x5bd1e995);
    each(g);
  }
}

function growTo(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}

/** Hashes of the word `size`-grams of a text (the whole text when it is shorter), built from per-word hashes. */
export function shingles(text: string, size: number): Set<number> {
  const out = new Set<number>();
  forEachShingle(normaliseText(text), size, (h) => out.add(h));
  return out;
}

/**
 * One-permutation MinHash (Li, Owen & Zhang 2012) with optimal densification (Shrivastava 2017): each shingle is
 * hashed once, its top bits pick one of 128 bins and each bin keeps the minimum of a second hash; an empty bin takes
 * the value of the first non-empty bin on its own fixed pseudo-random probe sequence, so two texts fill it alike.
 * The probability that two signatures agree in a position is the Jaccard similarity of their shingle sets, as with
 * 128 independent hash functions, at 1/128 of the work per shingle.
 */
export function minhash(norm: string, size: number): Uint32Array {
  const sig = new Uint32Array(NUM_HASHES).fill(0xffffffff);
  const filled = new Uint8Array(NUM_HASHES);
  let bins = 0;
  forEachShingle(norm, size, (x) => {
    const bin = mix(x, 0x9e3779b9) >>> BIN_SHIFT;
    const v = mix(x, 0x85ebca6b);
    if (!filled[bin]) {
      filled[bin] = 1;
      bins++;
    }
    if (v < sig[bin]) sig[bin] = v;
  });
  if (bins === NUM_HASHES) return sig;
  // Empty bins take values from filled ones only, so they are filled in place.
  for (let j = 0; j < NUM_HASHES; j++) {
    if (filled[j]) continue;
    let k = -1;
    for (let attempt = 1; attempt <= 8 * NUM_HASHES && k < 0; attempt++) {
      const probe = mix(j * 0x10001 + attempt, 0x27d4eb2d) >>> BIN_SHIFT;
      if (filled[probe]) k = probe;
    }
    // Practically never reached (one filled bin: p ≈ e^-8); the next filled bin to the right keeps it deterministic.
    for (let r = 1; k < 0; r++) if (filled[(j + r) % NUM_HASHES]) k = (j + r) % NUM_HASHES;
    sig[j] = sig[k];
  }
  return sig;
}

export function estimatedJaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** A 32-bit integer hash for open addressing (keys are already digests; this only spreads them over the slots). */
const slot = (key: number, mask: number) => Math.imul(key ^ (key >>> 15), 0x2c1b3c6d) >>> 0 & mask;

/**
 * LSH band index: open addressing from a 32-bit band key to the newest record with that key, older records with the
 * same key chained through `next` (indexed by record). About 20 bytes per record, where a Map of arrays took ~40.
 */
class BandIndex {
  private keys = new Uint32Array(1 << 10);
  private heads = new Int32Array(1 << 10).fill(-1);
  private used = 0;
  private next = new Int32Array(1 << 10);

  private find(key: number): number {
    const mask = this.keys.length - 1;
    let i = slot(key, mask);
    while (this.heads[i] !== -1 && this.keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  /** The newest record with this key, or -1; older ones follow through `nextRecord`. */
  firstRecord(key: number): number {
    return this.heads[this.find(key)];
  }

  nextRecord(idx: number): number {
    return this.next[idx];
  }

  add(key: number, idx: number): void {
    if (idx >= this.next.length) {
      const grown = new Int32Array(this.next.length * 2);
      grown.set(this.next);
      this.next = grown;
    }
    const i = this.find(key);
    if (this.heads[i] === -1) {
      this.keys[i] = key;
      this.used++;
    }
    this.next[idx] = this.heads[i];
    this.heads[i] = idx;
    if (this.used * 2 > this.keys.length) this.rehash();
  }

  private rehash(): void {
    const [keys, heads] = [this.keys, this.heads];
    this.keys = new Uint32Array(keys.length * 2);
    this.heads = new Int32Array(keys.length * 2).fill(-1);
    for (let j = 0; j < keys.length; j++) {
      if (heads[j] === -1) continue;
      const i = this.find(keys[j]);
      this.keys[i] = keys[j];
      this.heads[i] = heads[j];
    }
  }
}

/** Set of 64-bit digests (two 32-bit halves) by open addressing: 16 bytes per entry instead of a hex string. */
class DigestSet {
  private slots = new Uint32Array(2 << 10);
  private filled = new Uint8Array(1 << 10);
  private size = 0;

  private find(hi: number, lo: number): number {
    const mask = this.filled.length - 1;
    let i = slot(hi ^ lo, mask);
    while (this.filled[i] && !(this.slots[2 * i] === hi && this.slots[2 * i + 1] === lo)) i = (i + 1) & mask;
    return i;
  }

  has(hi: number, lo: number): boolean {
    return this.filled[this.find(hi, lo)] === 1;
  }

  add(hi: number, lo: number): void {
    const i = this.find(hi, lo);
    if (this.filled[i]) return;
    this.filled[i] = 1;
    this.slots[2 * i] = hi;
    this.slots[2 * i + 1] = lo;
    if (++this.size * 2 > this.filled.length) {
      const [slots, filled] = [this.slots, this.filled];
      this.slots = new Uint32Array(slots.length * 2);
      this.filled = new Uint8Array(filled.length * 2);
      this.size = 0;
      for (let j = 0; j < filled.length; j++) if (filled[j]) this.add(slots[2 * j], slots[2 * j + 1]);
    }
  }
}

/**
 * Streaming deduplicator: `seen(text)` answers 'exact' | 'near' | null and remembers the text when it is new.
 * Feed items in a stable order so the same item survives on every run.
 *
 * Memory is what a release of millions of records needs to stay bounded: per record 64 bits of the SHA-256 of the
 * normalised text (a false exact match needs a 64-bit collision), the signature's low 16 bits per hash (a false
 * equal position has probability 2^-16, which moves an estimated Jaccard by ~1e-5), and one entry per LSH band:
 * about 600 bytes per record instead of 1.3 KB with strings, Maps and full signatures.
 */
export class Deduplicator {
  private exact = new DigestSet();
  private blocks: Uint16Array[] = [];
  private count = 0;
  private bands: BandIndex[] = Array.from({ length: BANDS }, () => new BandIndex());

  constructor(
    private readonly threshold: number,
    private readonly shingleSize: number,
  ) {}

  private sig(idx: number): Uint16Array {
    const off = (idx % SIGS_PER_BLOCK) * NUM_HASHES;
    return this.blocks[Math.floor(idx / SIGS_PER_BLOCK)].subarray(off, off + NUM_HASHES);
  }

  /** Estimated Jaccard similarity of a signature with stored record `idx` (compared in place in its block). */
  private similarity(sig: Uint16Array, idx: number): number {
    const block = this.blocks[Math.floor(idx / SIGS_PER_BLOCK)];
    const off = (idx % SIGS_PER_BLOCK) * NUM_HASHES;
    let same = 0;
    for (let i = 0; i < NUM_HASHES; i++) if (sig[i] === block[off + i]) same++;
    return same / NUM_HASHES;
  }

  seen(text: string): 'exact' | 'near' | null {
    const norm = normaliseText(text);
    const digest = oneShotHash('sha256', norm, 'buffer');
    const [hi, lo] = [digest.readUInt32BE(0), digest.readUInt32BE(4)];
    if (this.exact.has(hi, lo)) return 'exact';
    const full = minhash(norm, this.shingleSize);
    const sig = new Uint16Array(full); // low 16 bits of each hash
    const rows = NUM_HASHES / BANDS;
    const keys = new Array<number>(BANDS);
    const checked = new Set<number>();
    for (let b = 0; b < BANDS; b++) {
      // A numeric digest of the band keeps the index small; a digest collision only adds a candidate to check.
      let h = b;
      for (let r = b * rows; r < (b + 1) * rows; r++) h = mix(h ^ full[r], 0x27d4eb2d);
      keys[b] = h;
      const band = this.bands[b];
      for (let idx = band.firstRecord(h); idx !== -1; idx = band.nextRecord(idx)) {
        if (checked.has(idx)) continue;
        checked.add(idx);
        if (this.similarity(sig, idx) >= this.threshold) return 'near';
      }
    }
    this.exact.add(hi, lo);
    const idx = this.count++;
    if (idx % SIGS_PER_BLOCK === 0) this.blocks.push(new Uint16Array(SIGS_PER_BLOCK * NUM_HASHES));
    this.sig(idx).set(sig);
    for (let b = 0; b < BANDS; b++) this.bands[b].add(keys[b], idx);
    return null;
  }
}
