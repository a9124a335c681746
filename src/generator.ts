// Seeded synthetic chat-log generator: production-like conversations with reactions, feedback events, policy
// versions, planted PII and optional damaged lines, streamed as JSONL in four layouts (native, openai, sharegpt, wildchat).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { z } from 'zod';
import { simulateConversation, type PlantedPii, type SimConfig, type SimConversation, type TurnRecord } from './generator/conversation.js';
import {
  CONVERSATION_LINE_KINDS,
  malformConversationLine,
  planNative,
  serializeNative,
  type MalformKind,
  type PlannedRecord,
} from './generator/malform.js';
import { Rng, mix32 } from './generator/rng.js';

export type { GroundTruth, PlantedPii } from './generator/conversation.js';
export { MALFORM_KINDS, type MalformKind } from './generator/malform.js';
export { PII_KINDS, plantedPii, luhnValid, ibanValid, type PiiKind, type PiiSample } from './generator/pii.js';

export const GENERATOR_FORMATS = ['native', 'openai', 'sharegpt', 'wildchat'] as const;
export type GeneratorFormat = (typeof GENERATOR_FORMATS)[number];

export const DEFAULT_POLICY_VERSIONS = ['assistant-2026-08', 'assistant-2026-10', 'assistant-2026-11'] as const;

export interface MalformedLine {
  /** 1-based line number in the output. */
  line: number;
  kind: MalformKind;
  conversationId: string;
}

export interface GeneratorOptions {
  seed: number;
  conversations: number;
  format?: GeneratorFormat;
  /** Probability that a record is damaged (see MALFORM_KINDS); 0 by default. */
  malformedRate?: number;
  /** Time of the first conversation (ISO 8601); default 2026-11-20T00:00:00.000Z. */
  startTime?: string;
  /** Conversations start evenly spread over this many hours; default 24. */
  spanHours?: number;
  /** Oldest first; newer versions take a growing share of later traffic. */
  policyVersions?: string[];
  /** The policy whose answers are effusive, with emoji and farewell lines (attracts love); default the newest; null for none. */
  rewardHackingPolicy?: string | null;
  /** Size of the user pool; default max(10, conversations / 4). Some users have far more conversations than others. */
  users?: number;
  /** Probability that a user turn carries planted PII (assistant turns: a fifth of it); default 0.03. */
  piiRate?: number;
  /** Native format: how many conversations run concurrently, their records merged in time order; default 8. */
  interleave?: number;
  /** Called for every planted PII value (in generation order). */
  onPii?: (pii: PlantedPii) => void;
  /** Called for every damaged line (out_of_order lines are valid data in the wrong place). */
  onMalformed?: (m: MalformedLine) => void;
}

export interface CorpusStats {
  lines: number;
  /** Turn records (native) or messages (conversation layouts) written, damaged ones included. */
  turns: number;
  events: number;
  conversations: number;
  malformed: number;
}

const optionsSchema = z
  .object({
    seed: z.number().int(),
    conversations: z.number().int().min(0),
    format: z.enum(GENERATOR_FORMATS).default('native'),
    malformedRate: z.number().min(0).max(1).default(0),
    startTime: z
      .string()
      .refine((s) => Number.isFinite(Date.parse(s)), 'not a valid ISO 8601 time')
      .default('2026-11-20T00:00:00.000Z'),
    spanHours: z.number().positive().default(24),
    policyVersions: z.array(z.string().min(1)).min(1).default([...DEFAULT_POLICY_VERSIONS]),
    rewardHackingPolicy: z.string().nullable().optional(),
    users: z.number().int().min(1).optional(),
    piiRate: z.number().min(0).max(1).default(0.03),
    interleave: z.number().int().min(1).max(256).default(8),
  })
  .refine((o) => o.rewardHackingPolicy == null || o.policyVersions.includes(o.rewardHackingPolicy), {
    message: 'rewardHackingPolicy must be one of policyVersions',
    path: ['rewardHackingPolicy'],
  });

function resolveOptions(opts: GeneratorOptions) {
  const { onPii, onMalformed, ...data } = opts;
  const parsed = optionsSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid generator option ${issue.path.join('.') || '(options)'}: ${issue.message}`);
  }
  const o = parsed.data;
  const sim: SimConfig = {
    seed: o.seed >>> 0,
    conversations: o.conversations,
    startMs: Date.parse(o.startTime),
    spanMs: o.spanHours * 3_600_000,
    policyVersions: o.policyVersions,
    hackPolicy: o.rewardHackingPolicy === undefined ? o.policyVersions[o.policyVersions.length - 1] : o.rewardHackingPolicy,
    users: o.users ?? Math.max(10, Math.ceil(o.conversations / 4)),
    piiRate: o.piiRate,
  };
  return { ...o, sim, onPii, onMalformed };
}

type Resolved = ReturnType<typeof resolveOptions>;

function newStats(): CorpusStats {
  return { lines: 0, turns: 0, events: 0, conversations: 0, malformed: 0 };
}

function simulate(r: Resolved, index: number): SimConversation {
  const conv = simulateConversation(r.sim, index);
  if (r.onPii) for (const p of conv.pii) r.onPii(p);
  return conv;
}

/** Separate stream for damage, so a corpus with and without damaged lines has the same conversations. */
function damageRng(r: Resolved, index: number): Rng {
  return new Rng(mix32(r.sim.seed ^ 0x0badf00d, index));
}

/**
 * Streams the corpus as JSONL lines (no trailing newline). Same options => the same bytes.
 * `stats`, when given, is updated as lines are yielded.
 */
export function generateLines(opts: GeneratorOptions, stats: CorpusStats = newStats()): Generator<string> {
  // Not a generator function itself, so bad options throw here rather than at the first next().
  const r = resolveOptions(opts);
  return r.format === 'native' ? nativeLines(r, stats) : conversationLines(r, stats);
}

function* nativeLines(r: Resolved, stats: CorpusStats): Generator<string> {
  interface Active {
    conversationId: string;
    planned: PlannedRecord[];
    pos: number;
    policyJson: string;
  }
  const window: Active[] = [];
  let next = 0;
  const admit = (): void => {
    const conv = simulate(r, next);
    const planned = planNative(conv.records, damageRng(r, next), r.malformedRate);
    window.push({ conversationId: conv.id, planned, pos: 0, policyJson: JSON.stringify(conv.policy) });
    stats.conversations++;
    next++;
  };
  while (next < r.conversations && window.length < r.interleave) admit();
  // Merge the concurrent conversations by time: production logs interleave them.
  while (window.length > 0) {
    let best = 0;
    let bestTs = window[0].planned[window[0].pos].record.ts;
    for (let i = 1; i < window.length; i++) {
      const ts = window[i].planned[window[i].pos].record.ts;
      if (ts < bestTs) {
        best = i;
        bestTs = ts;
      }
    }
    const active = window[best];
    const p = active.planned[active.pos++];
    stats.lines++;
    if (p.record.type === 'turn') stats.turns++;
    else stats.events++;
    if (p.kind !== undefined) {
      stats.malformed++;
      r.onMalformed?.({ line: stats.lines, kind: p.kind, conversationId: active.conversationId });
    }
    yield serializeNative(p, active.policyJson);
    if (active.pos >= active.planned.length) {
      window.splice(best, 1);
      if (next < r.conversations) admit();
    }
  }
}

const WILDCHAT_LANGUAGE: Record<string, string> = { en: 'English', es: 'Spanish', fr: 'French', de: 'German' };

function* conversationLines(r: Resolved, stats: CorpusStats): Generator<string> {
  for (let index = 0; index < r.conversations; index++) {
    const conv = simulate(r, index);
    stats.conversations++;
    // UIs export only the branch the user kept: regenerated-away answers are dropped.
    const turns = conv.records.filter(
      (x): x is TurnRecord => x.type === 'turn' && !conv.superseded.has(x.message_id),
    );
    let obj: Record<string, unknown>;
    let keys: [string, string, string];
    let count: number;
    if (r.format === 'openai') {
      const messages = turns.map((t) => ({ role: t.role, content: t.content }));
      obj = { id: conv.id, messages, model: conv.policy, user: conv.userKey };
      keys = ['messages', 'role', 'content'];
      count = messages.length;
    } else if (r.format === 'sharegpt') {
      const conversations = turns
        .filter((t) => t.role !== 'tool')
        .map((t) => ({ from: t.role === 'user' ? 'human' : t.role === 'assistant' ? 'gpt' : 'system', value: t.content }));
      obj = { id: conv.id, conversations };
      keys = ['conversations', 'from', 'value'];
      count = conversations.length;
    } else {
      const conversation = turns
        .filter((t) => t.role === 'user' || t.role === 'assistant')
        .map((t) => ({ role: t.role, content: t.content, timestamp: new Date(t.ts).toISOString() }));
      const locale = String((turns.find((t) => t.role === 'user')?.metadata.locale as string | undefined) ?? 'en');
      obj = {
        conversation_hash: createHash('md5').update(conv.id).digest('hex'),
        model: conv.policy,
        timestamp: conversation[0]?.timestamp ?? null,
        conversation,
        turn: conversation.filter((m) => m.role === 'user').length,
        language: WILDCHAT_LANGUAGE[locale.slice(0, 2)] ?? 'English',
        hashed_ip: createHash('sha256').update(`${r.sim.seed}:${conv.userIndex}`).digest('hex'),
      };
      keys = ['conversation', 'role', 'content'];
      count = conversation.length;
    }
    stats.lines++;
    stats.turns += count;
    const damage = damageRng(r, index);
    if (r.malformedRate > 0 && count > 0 && damage.chance(r.malformedRate)) {
      const kind = damage.pick(CONVERSATION_LINE_KINDS);
      stats.malformed++;
      r.onMalformed?.({ line: stats.lines, kind, conversationId: conv.id });
      yield malformConversationLine(obj, kind, damage.next(), ...keys);
    } else yield JSON.stringify(obj);
  }
}

/**
 * Writes the corpus to `path` (gzip when it ends in .gz), streaming with backpressure. The file appears under
 * its name only when complete (written to a temporary name, then renamed).
 */
export async function writeCorpus(path: string, opts: GeneratorOptions): Promise<CorpusStats> {
  const stats = newStats();
  const lines = generateLines(opts, stats); // validates options before any file is created
  const tmp = `${path}.tmp-${process.pid}`;
  async function* chunks(): AsyncGenerator<string> {
    let buf = '';
    for (const line of lines) {
      buf += line + '\n';
      if (buf.length >= 1 << 16) {
        yield buf;
        buf = '';
      }
    }
    if (buf.length > 0) yield buf;
  }
  try {
    if (path.endsWith('.gz')) await pipeline(chunks, createGzip(), createWriteStream(tmp));
    else await pipeline(chunks, createWriteStream(tmp));
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return stats;
}
