// Benchmark decontamination: drop records whose prompt shares a word n-gram with any benchmark prompt
// (benchmark prompts shorter than n words must appear whole).
import { readFileSync } from 'node:fs';

function words(s: string): string[] {
  return s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

export class Decontaminator {
  private grams = new Set<string>();
  private shortPrompts: string[] = [];

  constructor(
    benchmarkPrompts: string[],
    private readonly n: number,
  ) {
    for (const p of benchmarkPrompts) {
      const w = words(p);
      if (w.length === 0) continue;
      if (w.length < n) this.shortPrompts.push(` ${w.join(' ')} `);
      else for (let i = 0; i + n <= w.length; i++) this.grams.add(w.slice(i, i + n).join(' '));
    }
  }

  get size(): number {
    return this.grams.size + this.shortPrompts.length;
  }

  contaminated(text: string): boolean {
    const w = words(text);
    for (let i = 0; i + this.n <= w.length; i++) if (this.grams.has(w.slice(i, i + this.n).join(' '))) return true;
    if (this.shortPrompts.length) {
      const joined = ` ${w.join(' ')} `;
      return this.shortPrompts.some((p) => joined.includes(p));
    }
    return false;
  }
}

/** Benchmark prompts from JSONL (a "prompt", "question" or "instruction" string per line) or plain text lines. */
export function loadBenchmarkPrompts(file: string): string[] {
  const out: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, n) => {
      const t = line.trim();
      if (!t) return;
      if (t.startsWith('{')) {
        let o: Record<string, unknown>;
        try {
          o = JSON.parse(t);
        } catch (e) {
          throw new Error(`${file}:${n + 1}: not valid JSON (${(e as Error).message})`);
        }
        const p = o.prompt ?? o.question ?? o.instruction;
        if (typeof p !== 'string') throw new Error(`${file}:${n + 1}: field "prompt" must be a string`);
        out.push(p);
      } else out.push(t);
    });
  return out;
}
