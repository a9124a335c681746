// All tunable numbers of the satisfaction detectors and of verdict fusion, in one place, with the zod schema that
// validates a user-supplied JSON config once at the edge.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MinerError } from '../src/errors.js';

const unit = z.number().min(0).max(1);
const labelled = z.object({ label: z.enum(['sat', 'dsat']), weight: unit }).strict();

export const detectorConfigSchema = z
  .object({
    /** UI events: which way each kind points and how much it weighs (regenerate is a weak DSAT, copy a weak SAT). */
    explicit: z.record(z.string(), labelled),
    fusion: z
      .object({
        /** Trust in each detector kind; explicit events outrank the judge, which outranks rules. */
        kindWeights: z.object({ explicit: unit, judge: unit, model: unit, rule: unit }).strict(),
        /** dsatScore of a turn nobody said anything about: low, but above SAT-backed turns so ranking stays sane. */
        baseDsatScore: unit,
        /** A label needs its fused evidence at or above these. */
        dsatThreshold: unit,
        satThreshold: unit,
        /** Evidence an "ambiguous" answer adds towards DSAT (the user said something the rules could not read). */
        ambiguousDsatEvidence: unit,
        /** Detectors that may raise the score but never decide a label on their own (abandonment). */
        weakOnly: z.array(z.string()),
      })
      .strict(),
    rephrase: z
      .object({
        /** Stemmed content-word Jaccard between the request and the follow-up that counts as a restatement. */
        jaccard: unit,
        /** Share of the earlier request's content words the follow-up keeps, for a narrowed restatement. */
        containment: unit,
        /** Normalised token edit distance at or below which the follow-up is a near repeat. */
        maxEditDistance: unit,
        /** Requests shorter than this (content words) are too small to call a restatement. */
        minContentWords: z.number().int().min(1).max(50),
      })
      .strict(),
    abandonment: z.object({ score: unit }).strict(),
    wildfeedback: z
      .object({
        /** Follow-ups longer than this (characters, after removing pasted text) are read only at the start and end. */
        maxChars: z.number().int().min(40).max(100_000),
        /** A SAT and a DSAT cue closer than this in strength, with no "but" to order them: ambiguous. */
        conflictMargin: unit,
      })
      .strict(),
  })
  .strict();

export type DetectorConfig = z.output<typeof detectorConfigSchema>;

export const defaultDetectorConfig: DetectorConfig = {
  explicit: {
    love: { label: 'sat', weight: 1 },
    thumbs_up: { label: 'sat', weight: 0.95 },
    thumbs_down: { label: 'dsat', weight: 0.95 },
    regenerate: { label: 'dsat', weight: 0.35 },
    copy: { label: 'sat', weight: 0.3 },
    edit: { label: 'dsat', weight: 0.4 },
    stop: { label: 'dsat', weight: 0.5 },
  },
  fusion: {
    kindWeights: { explicit: 1, judge: 0.85, model: 0.7, rule: 0.75 },
    baseDsatScore: 0.08,
    dsatThreshold: 0.4,
    satThreshold: 0.4,
    ambiguousDsatEvidence: 0.2,
    weakOnly: ['abandonment'],
  },
  rephrase: { jaccard: 0.6, containment: 0.8, maxEditDistance: 0.35, minContentWords: 3 },
  abandonment: { score: 0.15 },
  wildfeedback: { maxChars: 2000, conflictMargin: 0.15 },
};

/** A partial config (as a user writes it) merged over the defaults, then validated as a whole. */
export function resolveDetectorConfig(partial: unknown, source = 'detector config'): DetectorConfig {
  if (partial == null) return defaultDetectorConfig;
  if (typeof partial !== 'object' || Array.isArray(partial)) {
    throw new MinerError('BAD_CONFIG', `${source}: expected a JSON object`);
  }
  const merged = mergeDeep(defaultDetectorConfig as unknown as Record<string, unknown>, partial as Record<string, unknown>);
  const parsed = detectorConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MinerError('BAD_CONFIG', `${source}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export function loadDetectorConfig(file: string): DetectorConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MinerError('BAD_CONFIG', `${file}: cannot read detector config: ${(e as Error).message}`, { cause: e });
  }
  return resolveDetectorConfig(json, file);
}

function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? mergeDeep(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
