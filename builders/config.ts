// Release configuration: one zod schema with defaults, validated once at the edge (CLI flags, config file).
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const FORMATS = ['trl', 'openai', 'openrlhf'] as const;
export type Format = (typeof FORMATS)[number];
export const FILE_TYPES = ['jsonl', 'parquet'] as const;
export type FileType = (typeof FILE_TYPES)[number];

/** Bumped whenever builder or hygiene logic changes what a release contains; part of the config hash. */
export const BUILDERS_VERSION = '5';

export const releaseConfigSchema = z
  .object({
    builders: z.array(z.enum(['drift', 'revision', 'ranked', 'kto'])).min(1).default(['drift', 'revision', 'ranked', 'kto']),
    /** Verdicts below this confidence never become training records. */
    minConfidence: z.number().min(0).max(1).default(0.5),
    /** DSAT categories never used as negatives (methods §5: unrealistic expectations say little about the answer). */
    excludeDsatCategories: z.array(z.string()).default(['unrealistic_expectation']),
    /** Ranked pairs: minimum score gap between best and worst candidate. */
    margin: z.number().min(0).default(0.2),
    /** Revision pairs: how many assistant turns after the DSAT one may hold the satisfying revision. */
    maxRevisionGap: z.number().int().min(1).default(3),
    /** JSONL of extra candidates for ranked pairs (see loadCandidates); null = regenerations only. */
    candidatesFile: z.string().nullable().default(null),
    /** Max records per user hash per builder (null = no cap). */
    perUserCap: z.number().int().min(1).nullable().default(50),
    /** Percent of conversations (by sha256 of the id) that go to the test split. */
    testPercent: z.number().int().min(0).max(100).default(5),
    /** Near-duplicate threshold on estimated Jaccard similarity of word shingles. */
    dedupThreshold: z.number().gt(0).max(1).default(0.8),
    dedupShingle: z.number().int().min(1).default(5),
    /** Keep as many chosen-longer as chosen-not-longer pairs (length-bias control, methods §5). */
    balanceLength: z.boolean().default(false),
    formats: z.array(z.enum(FORMATS)).min(1).default(['trl', 'openai', 'openrlhf']),
    fileTypes: z.array(z.enum(FILE_TYPES)).min(1).default(['jsonl', 'parquet']),
    /** Benchmark prompts to decontaminate against: JSONL with a "prompt" string field, or plain text one per line. */
    decontaminationFile: z.string().nullable().default(null),
    decontaminationNgram: z.number().int().min(3).default(8),
  })
  .strict();

export type ReleaseConfig = z.output<typeof releaseConfigSchema>;
export type ReleaseConfigInput = z.input<typeof releaseConfigSchema>;

export function parseReleaseConfig(input: unknown = {}): ReleaseConfig {
  const r = releaseConfigSchema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid release config: ${issues}`);
  }
  return r.data;
}

/** JSON with object keys sorted at every level, so equal values always serialise to equal bytes. */
export function stableStringify(value: unknown, indent?: number): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value), null, indent);
}

/** Hash of everything that decides a release's content besides the input data. */
export function configHash(cfg: ReleaseConfig, extra: unknown = null): string {
  return createHash('sha256')
    .update(stableStringify({ builders_version: BUILDERS_VERSION, cfg, extra }))
    .digest('hex');
}
