// Exact and near-duplicate removal: sha256 of normalised text, then MinHash signatures over word shingles with
// LSH banding to find candidate pairs, confirmed by the estimated Jaccard similarity.
import { createHash } from 'node:crypto';
import { fnv1a } from '../../src/hashing.js';

const NUM_HASHES = 128;
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

/** Hashes of the word `size`-grams of a text (the whole text when it is shorter), built from per-word hashes. */
export function shingles(text: string, size: number): Set<number> {
  return shinglesOfNormalised(normaliseText(text), size);
}

function shinglesOfNormalised(norm: string, size: number): Set<number> {
  const words = norm.split(' ').filter(Boolean);
  const out = new Set<number>();
  if (words.length <= size) {
    out.add(fnv1a(words.join(' ')));
    return out;
  }
  const wh = new Uint32Array(words.length);
  for (let i = 0; i < words.length; i++) wh[i] = fnv1a(words[i]);
  for (let i = 0; i + size <= words.length; i++) {
    // Order-sensitive combination of the gram's word hashes (no string building per gram).
    let h = 0x811c9dc5;
    for (let k = i; k < i + size; k++) h = mix(h ^ wh[k], 0x5bd1e995);
    out.add(h);
  }
  return out;
}

/**
 * MinHash signature. The i-th hash of x is a + i*b for two mixes a, b of x (Kirsch–Mitzenmacher double hashing):
 * one multiply-add per hash function instead of a full mix.
 */
export function minhash(sh: Set<number>): Uint32Array {
  const sig = new Uint32Array(NUM_HASHES).fill(0xffffffff);
  for (const x of sh) {
    const a = mix(x, 0x9e3779b9);
    const b = mix(x, 0x85ebca6b) | 1;
    for (let i = 0; i < NUM_HASHES; i++) {
      const h = (a + Math.imul(i, b)) >>> 0;
      if (h < sig[i]) sig[i] = h;
    }
  }
  return sig;
}

export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * Streaming deduplicator: `seen(text)` answers 'exact' | 'near' | null and remembers the text when it is new.
 * Feed items in a stable order so the same item survives on every run.
 */
export class Deduplicator {
  private exact = new Set<string>();
  // Signatures packed into fixed blocks and one index per band holding the first record (or all records) with that
  // band key: a few dozen bytes per record, and no single Map near V8's 2^24-entry limit at millions of records.
  private blocks: Uint32Array[] = [];
  private count = 0;
  private bands: Map<number, number | number[]>[] = Array.from({ length: BANDS }, () => new Map());

  constructor(
    private readonly threshold: number,
    private readonly shingleSize: number,
  ) {}

  private sig(idx: number): Uint32Array {
    const off = (idx % SIGS_PER_BLOCK) * NUM_HASHES;
    return this.blocks[Math.floor(idx / SIGS_PER_BLOCK)].subarray(off, off + NUM_HASHES);
  }

  seen(text: string): 'exact' | 'near' | null {
    const norm = normaliseText(text);
    const digest = createHash('sha256').update(norm).digest('hex');
    if (this.exact.has(digest)) return 'exact';
    const sig = minhash(shinglesOfNormalised(norm, this.shingleSize));
    const rows = NUM_HASHES / BANDS;
    const keys = new Array<number>(BANDS);
    const checked = new Set<number>();
    for (let b = 0; b < BANDS; b++) {
      // A numeric digest of the band keeps the index small; a digest collision only adds a candidate to check.
      let h = b;
      for (let r = b * rows; r < (b + 1) * rows; r++) h = mix(h ^ sig[r], 0x27d4eb2d);
      keys[b] = h;
      const hit = this.bands[b].get(h);
      if (hit === undefined) continue;
      for (const idx of typeof hit === 'number' ? [hit] : hit) {
        if (checked.has(idx)) continue;
        checked.add(idx);
        if (estimatedJaccard(sig, this.sig(idx)) >= this.threshold) return 'near';
      }
    }
    this.exact.add(digest);
    const idx = this.count++;
    if (idx % SIGS_PER_BLOCK === 0) this.blocks.push(new Uint32Array(SIGS_PER_BLOCK * NUM_HASHES));
    this.sig(idx).set(sig);
    for (let b = 0; b < BANDS; b++) {
      const hit = this.bands[b].get(keys[b]);
      if (hit === undefined) this.bands[b].set(keys[b], idx);
      else if (typeof hit === 'number') this.bands[b].set(keys[b], [hit, idx]);
      else hit.push(idx);
    }
    return null;
  }
}
