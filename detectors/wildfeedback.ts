// WildFeedback taxonomy detector: reads the user's reaction after an assistant turn and classifies it into one of
// the 9 SAT / 9 DSAT categories, or says nothing, or says "ambiguous" so a model can take the case.
import { defaultDetectorConfig, type DetectorConfig } from './config.js';
import {
  ASKS_CONFIRMATION,
  ASKS_NEGATIVE,
  ASSISTANT_FAILED,
  ASSISTANT_TARGET,
  CORRECTION,
  ANSWER_DETERMINER_BEFORE,
  ANSWER_NOUN_AFTER,
  CUES,
  DETERMINER_BEFORE,
  PREDICATE_BEFORE,
  LEADING_NO,
  OFFERS,
  POLITE_NO,
  PUSHBACK,
  SUGGESTS,
  THIRD_PARTY,
  type Cue,
} from './cues.js';
import { clip, lastContrast, negatedAt, normalise, ownVoice, valenceTerms } from './text.js';
import type { AssistantTurnContext, Category, Detector, DetectorResult } from './types.js';

export interface CueHit {
  label: 'sat' | 'dsat';
  category: Category | null;
  score: number;
  index: number;
  /** End of the matched text; contextual rules that read the whole message use index = end = 0. */
  end: number;
  evidence: string;
}

/** Categories that are often mere politeness: they lose against a complaint in the same message. */
const POLITE = new Set<Category>(['gratitude', 'acknowledgment', 'positive_closure']);

function test(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  return re.test(text);
}

/** Start of the clause that contains position `index`. */
function clauseStart(text: string, index: number): number {
  for (let i = index - 1; i >= 0; i--) {
    const ch = text[i];
    if (ch === '.' || ch === '!' || ch === '?' || ch === ';' || ch === ',' || ch === '\n') return i + 1;
  }
  return 0;
}

/** A judgement in this clause is about someone else when a third party is named and the assistant is not. */
function aimedElsewhere(text: string, index: number, end: number, category: Category): boolean {
  const before = text.slice(clauseStart(text, index), index);
  if (before.trim().length === 0) return false;
  if (ANSWER_NOUN_AFTER.test(text.slice(end, end + 16)) && ANSWER_DETERMINER_BEFORE.test(before)) return false;
  if (test(THIRD_PARTY, before) && !test(ASSISTANT_TARGET, before)) return true;
  const predicate = PREDICATE_BEFORE.test(before);
  // Attributive use ("the wrong kid", "a truly stupid comedy") describes something, it is not a verdict.
  if (!predicate && DETERMINER_BEFORE.test(before)) return true;
  // Deep in a clause that never names the answer and is not a predicate: not a verdict on the answer.
  if (!predicate && !test(ASSISTANT_TARGET, before) && before.trim().split(/\s+/).length > 2) return true;
  // "it was boring", "that was stupid": a verdict on something the user experienced (a film, a trip), not on the
  // answer just given. Factual complaints ("that was wrong") keep counting.
  return category === 'negative_feedback' && test(PAST_JUDGEMENT, before) && !test(ADDRESSES_ASSISTANT, before);
}

const ANSWERABLE = new Set<Category>(['negative_feedback', 'factual_error', 'lower_quality', 'no_engagement', 'insufficient_detail']);
const PAST_JUDGEMENT = /(?<![\p{L}])(?:was|were|had been|found it|felt)(?![\p{L}])/gu;
const ADDRESSES_ASSISTANT = /(?<![\p{L}])(?:you|your|answer|response|reply|suggestion)(?![\p{L}])/gu;

function cueHits(text: string, cue: Cue, hits: CueHit[]): void {
  cue.re.lastIndex = 0;
  for (let m = cue.re.exec(text); m; m = cue.re.exec(text)) {
    const index = m.index;
    if (m[0].length === 0) {
      cue.re.lastIndex++;
      continue;
    }
    if (cue.targeted && aimedElsewhere(text, index, index + m[0].length, cue.category)) continue;
    if (cue.negated && negatedAt(text, index)) {
      if (cue.negated !== 'drop') {
        hits.push({ ...cue.negated, index, end: index + m[0].length, evidence: `not … ${m[0]}` });
      }
      continue;
    }
    hits.push({ label: cue.label, category: cue.category, score: cue.score, index, end: index + m[0].length, evidence: m[0] });
  }
}

/** All cue hits in the user's own words, with the assistant turn as context for the contextual rules. */
export function analyseFollowUp(
  followUp: string,
  assistantText: string,
  maxChars: number,
): { text: string; hits: CueHit[]; assistantFailed: boolean; asksOpinion: boolean } {
  const text = normalise(clip(ownVoice(followUp, assistantText), maxChars));
  // The end of a long answer is where it asks or offers something.
  const assistant = normalise(assistantText.length > 400 ? assistantText.slice(-400) : assistantText);
  const assistantFailed = test(ASSISTANT_FAILED, assistant);
  const asksOpinion = test(ASKS_NEGATIVE, assistant);
  const hits: CueHit[] = [];
  if (text.length === 0) return { text, hits, assistantFailed, asksOpinion };
  for (const cue of CUES) cueHits(text, cue, hits);
  dropContained(hits);

  // A leading "no" is a correction, a decline or an answer, depending on what the assistant said.
  if (test(LEADING_NO, text) && !test(POLITE_NO, text)) {
    const rest = text.replace(/^\S+[\s,.!]*/, '');
    const corrects = test(CORRECTION, rest);
    const asked = assistant.includes('?');
    if (test(ASKS_CONFIRMATION, assistant)) {
      hits.push({ label: 'dsat', category: 'revision', score: 0.75, index: 0, end: 0, evidence: 'no to a confirmation' });
    } else if (asksOpinion) {
      // "What don't you like?" "No, ..." is an answer.
    } else if (!asked) {
      hits.push({ label: 'dsat', category: corrects ? 'factual_error' : 'negative_feedback', score: 0.6, index: 0, end: 0, evidence: 'no to a statement' });
    } else if (corrects && !test(OFFERS, assistant)) {
      hits.push({ label: 'dsat', category: 'revision', score: 0.5, index: 0, end: 0, evidence: 'no + correction' });
    } else {
      hits.push({ label: 'dsat', category: 'revision', score: 0.3, index: 0, end: 0, evidence: 'no to a question' });
    }
  }

  // The assistant could not do it and the user pushes back or retries: unrealistic expectation or revision.
  if (assistantFailed) {
    if (test(PUSHBACK, text) && hits.every((h) => h.label !== 'sat')) {
      hits.push({ label: 'dsat', category: 'unrealistic_expectation', score: 0.55, index: 0, end: 0, evidence: 'pushback after a refusal' });
    }
    for (const h of hits) {
      if (h.category === 'revision' && h.score < 0.5) h.score = 0.5;
    }
  }

  // A dislike right after a suggestion rejects the suggestion.
  const weakDislikes = hits.filter((h) => h.label === 'dsat' && h.category === 'negative_feedback' && h.score < 0.55);
  if (weakDislikes.length > 0 && !asksOpinion && test(SUGGESTS, assistant)) {
    for (const h of weakDislikes) h.score = 0.55;
  }

  // Dislike of things the assistant asked about ("what genres do you dislike?") answers the question; only
  // complaints that name the assistant or ask for a change still count.
  if (asksOpinion) {
    for (const h of hits) {
      if (h.label === 'dsat' && ANSWERABLE.has(h.category as Category) && !test(ADDRESSES_ASSISTANT, text)) h.score = 0;
    }
  }
  return { text, hits: hits.filter((h) => h.score > 0), assistantFailed, asksOpinion };
}

/** A cue inside a longer cue's match is part of that phrase: "nice" in "have a nice day", "i'll do it" in "i'll do it myself". */
function dropContained(hits: CueHit[]): void {
  if (hits.length < 2) return;
  for (let i = hits.length - 1; i >= 0; i--) {
    const h = hits[i];
    const inside = hits.some(
      (o) => o !== h && o.index <= h.index && o.end >= h.end && o.end - o.index > h.end - h.index,
    );
    if (inside) hits.splice(i, 1);
  }
}

/**
 * Sum of AFINN valence over the words aimed at the answer: negative words about third parties, attributive uses and
 * answers to "what didn't you like?" do not count.
 */
function tone(text: string, asksOpinion: boolean): number {
  let sum = 0;
  for (const t of valenceTerms(text)) {
    if (t.value < 0 && (asksOpinion || aimedElsewhere(text, t.index, t.end, 'negative_feedback'))) continue;
    sum += t.value;
  }
  return sum;
}

export interface WildFeedbackDecision {
  result: DetectorResult;
  hits: CueHit[];
}

/** Turn the cue hits into one answer: DSAT beats politeness, "but" orders mixed messages, close calls are ambiguous. */
export function decide(
  text: string,
  hits: CueHit[],
  assistantFailed: boolean,
  conflictMargin: number,
  asksOpinion = false,
): DetectorResult {
  if (hits.length === 0) {
    // No cue: a weak, ranking-only hint from the answer's failure or the follow-up's tone (never enough for a label).
    const v = text.length > 0 ? tone(text, asksOpinion) : 0;
    if (v <= -2) return { label: 'dsat', category: null, score: 0.25, confidence: 0.25, evidence: `negative tone (${v})` };
    if (assistantFailed) {
      return { label: 'dsat', category: null, score: 0.2, confidence: 0.3, evidence: 'assistant reported a failure' };
    }
    if (v >= 2) return { label: 'sat', category: null, score: 0.25, confidence: 0.25, evidence: `positive tone (${v})` };
    return null;
  }
  let bestSat: CueHit | null = null;
  let bestDsat: CueHit | null = null;
  for (const h of hits) {
    if (h.label === 'sat') {
      if (!bestSat || h.score > bestSat.score) bestSat = h;
    } else if (!bestDsat || h.score > bestDsat.score) bestDsat = h;
  }
  const toSignal = (h: CueHit, boost = 0) => ({
    label: h.label,
    category: h.category,
    score: Math.min(1, h.score + boost),
    confidence: Math.min(1, 0.35 + h.score * 0.6),
    evidence: h.evidence,
  });
  // Several independent DSAT cues strengthen each other a little.
  const dsatCount = hits.filter((h) => h.label === 'dsat').length;
  const dsatBoost = Math.min(0.15, 0.05 * (dsatCount - 1));
  if (!bestSat) return toSignal(bestDsat!, dsatBoost);
  if (!bestDsat) return toSignal(bestSat);

  // Mixed message. What comes after "but" is the user's point ("thanks, but that's wrong").
  const contrast = lastContrast(text);
  if (contrast >= 0) {
    const afterDsat = hits.some((h) => h.label === 'dsat' && h.index > contrast);
    const afterSat = hits.some((h) => h.label === 'sat' && h.index > contrast && !POLITE.has(h.category as Category));
    if (afterDsat && !afterSat) return toSignal(bestDsat, dsatBoost);
    if (afterSat && !afterDsat) return toSignal(bestSat);
  }
  const satStrength = POLITE.has(bestSat.category as Category) ? bestSat.score * 0.6 : bestSat.score;
  if (bestDsat.score - satStrength > conflictMargin) return toSignal(bestDsat);
  if (satStrength - bestDsat.score > conflictMargin) return toSignal(bestSat);
  return { ambiguous: true, evidence: `mixed: ${bestSat.evidence} / ${bestDsat.evidence}` };
}

export function createWildFeedbackDetector(config: DetectorConfig = defaultDetectorConfig): Detector {
  const { maxChars, conflictMargin } = config.wildfeedback;
  return {
    name: 'wildfeedback',
    version: '1',
    kind: 'rule',
    detect(ctx: AssistantTurnContext): DetectorResult {
      if (ctx.followUps.length === 0) return null;
      const followUp = ctx.followUps.length === 1 ? ctx.followUps[0].content : ctx.followUps.map((t) => t.content).join('\n');
      const assistantText = ctx.assistantTurn.content;
      const { text, hits, assistantFailed, asksOpinion } = analyseFollowUp(followUp, assistantText, maxChars);
      return decide(text, hits, assistantFailed, conflictMargin, asksOpinion);
    },
  };
}
