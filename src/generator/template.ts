// Slot-filled text templates for the generator. "{name}" is a slot kept fixed for the whole conversation
// (so a topic stays the same across turns), "{~name}" draws a fresh value each time, "{a|b|c}" picks one alternative.
import type { Rng } from './rng.js';

type Part = string | { slot: string; fresh: boolean } | { alternatives: string[] };

export interface SlotSource {
  rng: Rng;
  /** Value for a slot: the conversation's binding, or a new draw when `fresh`. */
  slot(name: string, fresh: boolean): string;
}

const compiled = new Map<string, Part[]>();

function compile(template: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  // Slot names are bare words and alternatives stay on one line, so braces in code snippets are left alone.
  for (const m of template.matchAll(/\{(~?[A-Za-z_]+|[^{}\n]*\|[^{}\n]*)\}/g)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    const body = m[1];
    if (body.includes('|')) parts.push({ alternatives: body.split('|') });
    else if (body.startsWith('~')) parts.push({ slot: body.slice(1), fresh: true });
    else parts.push({ slot: body, fresh: false });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

/** Expands a template; slot values and alternatives may themselves be templates. */
export function fill(template: string, src: SlotSource): string {
  if (!template.includes('{')) return template;
  let parts = compiled.get(template);
  if (parts === undefined) {
    parts = compile(template);
    // Filled values can come back through here; cap the cache so it cannot grow with the corpus.
    if (compiled.size < 20_000) compiled.set(template, parts);
  }
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else if ('alternatives' in p) out += fill(src.rng.pick(p.alternatives), src);
    else out += fill(src.slot(p.slot, p.fresh), src);
  }
  return out;
}

/** Upper-cases the first letter (templates that start with a slot). */
export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}
