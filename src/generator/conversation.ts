// Simulates one conversation: a user with a task, answers of hidden quality, the user's reactions (text and UI
// events) and the generator's ground truth. Each conversation has its own PRNG stream, seeded from (seed, index).
import { DSAT_CATEGORIES, SAT_CATEGORIES } from '../../detectors/types.js';
import type { Category, DsatCategory, SatCategory, SignalLabel } from '../../detectors/types.js';
import type { Role } from '../model.js';
import {
  DOMAINS,
  DOMAIN_WEIGHTS,
  HACK_CLOSERS,
  HACK_OPENERS,
  PLAIN_CLOSERS,
  REVISION_OPENERS,
  STUFFY,
  SYSTEM_PROMPTS,
  VAGUE,
  WELCOME_REPLIES,
  type Constraint,
  type Domain,
  type Impossible,
  type WrongFact,
} from './domains.js';
import { drawPii, piiSentence, type PiiKind } from './pii.js';
import { DSAT_PHRASES, HARD_PHRASES, NON_ENGLISH, REPHRASE_FRAMES, SAT_PHRASES, type HardCase } from './reactions.js';
import { Rng, mix32 } from './rng.js';
import { capitalize, fill, type SlotSource } from './template.js';

export interface TurnRecord {
  type: 'turn';
  conversation_id: string;
  turn_index: number;
  message_id: string;
  role: Role;
  content: string;
  ts: number;
  policy_version: string;
  user_key: string;
  metadata: Record<string, unknown>;
}

export interface EventRecord {
  type: 'feedback';
  event_id: string;
  message_id: string;
  kind: string;
  value: number;
  ts: number;
  user_key: string;
}

export type SimRecord = TurnRecord | EventRecord;

/** Generator ground truth stored under metadata.gen of assistant turns. */
export interface GroundTruth {
  /** The user's reaction to this answer: from their next message, or from a regenerate click. */
  reaction: SignalLabel;
  category: Category | null;
  /** Hidden answer quality in [0,1]; explicit feedback and reactions are drawn from it. */
  quality: number;
  domain: string;
  flaw?: Flaw;
  hard?: HardCase;
  /** Styled by the reward-hacking policy (effusive, emoji, farewell line). */
  hack?: true;
  /** The earlier answer this one revises after a complaint (DSAT -> revised answer pairs). */
  revision_of?: string;
}

export type Flaw = 'vague' | 'factual' | 'ignored' | 'insufficient' | 'style' | 'unrealistic' | 'worse';

export interface PlantedPii {
  conversationId: string;
  messageId: string;
  kind: PiiKind;
  value: string;
}

export interface SimConfig {
  seed: number;
  conversations: number;
  startMs: number;
  spanMs: number;
  policyVersions: readonly string[];
  hackPolicy: string | null;
  users: number;
  piiRate: number;
}

export interface SimConversation {
  id: string;
  userIndex: number;
  userKey: string;
  policy: string;
  /** Turns and feedback events in time order (turns also in index order). */
  records: SimRecord[];
  /** Assistant messages that were regenerated away (a UI keeps only the last branch). */
  superseded: Set<string>;
  pii: PlantedPii[];
}

interface User {
  index: number;
  key: string;
  /** Multiplier on the chance of leaving any explicit feedback: most users rarely react, a few react a lot. */
  reactivity: number;
  lang: 'en' | 'es' | 'fr' | 'de';
  locale: string;
  client: string;
}

const LOCALES: [string, 'en' | 'es' | 'fr' | 'de', number][] = [
  ['en-US', 'en', 78],
  ['en-GB', 'en', 6],
  ['es-ES', 'es', 6],
  ['fr-FR', 'fr', 5],
  ['de-DE', 'de', 5],
];
const LOCALE_WEIGHTS = LOCALES.map((l) => l[2]);
const CLIENTS = ['web', 'web', 'web', 'ios', 'ios', 'android'];

function userFor(cfg: SimConfig, index: number): User {
  const rng = new Rng(mix32(cfg.seed ^ 0x7f4a7c15, index));
  const r = rng.next();
  const reactivity = r < 0.6 ? 0.3 : r < 0.9 ? 1 : 3.5;
  const [locale, lang] = LOCALES[rng.weighted(LOCALE_WEIGHTS)];
  return { index, key: `u-${index + 1}`, reactivity, lang, locale, client: rng.pick(CLIENTS) };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

// Reaction category weights; SAT positive_closure ends the conversation.
const SAT_WEIGHTS: Record<SatCategory, number> = {
  gratitude: 30,
  acknowledgment: 15,
  praise: 12,
  learning: 10,
  compliance: 10,
  getting_there: 6,
  personal_details: 6,
  humor: 5,
  positive_closure: 8,
};
const SAT_WEIGHT_LIST = SAT_CATEGORIES.map((c) => SAT_WEIGHTS[c]);

// Which complaint a flawed answer draws: flaw -> weights over DSAT_CATEGORIES.
function dsatWeights(flaw: Flaw | null): number[] {
  const w: Partial<Record<DsatCategory, number>> =
    flaw === 'factual'
      ? { factual_error: 80, negative_feedback: 10, revision: 10 }
      : flaw === 'ignored'
        ? { ignored: 75, revision: 15, negative_feedback: 10 }
        : flaw === 'insufficient'
          ? { insufficient_detail: 70, revision: 20, no_engagement: 10 }
          : flaw === 'style'
            ? { style: 70, revision: 25, negative_feedback: 5 }
            : flaw === 'vague'
              ? { negative_feedback: 30, revision: 25, no_engagement: 20, insufficient_detail: 25 }
              : flaw === 'unrealistic'
                ? { unrealistic_expectation: 85, no_engagement: 15 }
                : flaw === 'worse'
                  ? { lower_quality: 80, negative_feedback: 20 }
                  : { revision: 50, no_engagement: 20, insufficient_detail: 15, style: 15 };
  return DSAT_CATEGORIES.map((c) => w[c] ?? 0);
}

/** Slot values for one conversation in one domain; some slots carry per-turn context. */
class Slots implements SlotSource {
  readonly bindings = new Map<string, string>();
  right = '';
  request = '';

  constructor(
    readonly rng: Rng,
    readonly domain: Domain,
  ) {}

  slot(name: string, fresh: boolean): string {
    const c = name.charCodeAt(0);
    if (c >= 65 && c <= 90) return capitalize(fill(this.slot(name[0].toLowerCase() + name.slice(1), fresh), this));
    switch (name) {
      case 'right':
        return this.right;
      case 'request':
        return this.request;
      case 'narrowing':
        return this.rng.pick(this.domain.narrowings);
      case 'followup':
        return this.rng.pick(this.domain.followups);
    }
    if (!fresh) {
      const bound = this.bindings.get(name);
      if (bound !== undefined) return bound;
    }
    const values = this.domain.slots[name];
    if (values === undefined) throw new Error(`generator template uses unknown slot {${name}} in domain ${this.domain.name}`);
    const v = fill(this.rng.pick(values), this);
    if (!fresh) this.bindings.set(name, v);
    return v;
  }
}

/** The request currently being answered and what can go wrong with it. */
interface Ask {
  text: string;
  constraint: Constraint | null;
  impossible: Impossible | null;
}

interface Answer {
  content: string;
  quality: number;
  flaw: Flaw | null;
  hack: boolean;
  hasCode: boolean;
  wrongFact: WrongFact | null;
}

export function simulateConversation(cfg: SimConfig, index: number): SimConversation {
  const rng = new Rng(mix32(cfg.seed, index));
  const tag = rng.hex(8) + index.toString(36);
  const id = `c-${tag}`;
  const userIndex = Math.floor(cfg.users * Math.pow(rng.next(), 1.7));
  const user = userFor(cfg, userIndex);

  // Newer policies roll out over the corpus' time span and take a growing share of traffic.
  const progress = cfg.conversations > 1 ? index / cfg.conversations : 0;
  const nPolicies = cfg.policyVersions.length;
  const policyWeights = cfg.policyVersions.map((_, k) => (progress >= (k / nPolicies) * 0.7 ? (k + 1) * (k + 1) : 0));
  const policyIdx = rng.weighted(policyWeights);
  const policy = cfg.policyVersions[policyIdx];
  const hackPolicy = policy === cfg.hackPolicy;
  const policyMean = 0.52 + (0.08 * policyIdx) / Math.max(1, nPolicies - 1) - (hackPolicy ? 0.04 : 0);

  const records: SimRecord[] = [];
  const superseded = new Set<string>();
  const pii: PlantedPii[] = [];
  let t = cfg.startMs + (index + rng.next()) * (cfg.spanMs / Math.max(1, cfg.conversations));
  let turnIndex = 0;
  let eventCount = 0;

  const userMeta = { client: user.client, locale: user.locale };

  function pushTurn(role: Role, content: string, metadata: Record<string, unknown>): TurnRecord {
    const turn: TurnRecord = {
      type: 'turn',
      conversation_id: id,
      turn_index: turnIndex,
      message_id: `m-${tag}-${turnIndex}`,
      role,
      content,
      ts: Math.round(t),
      policy_version: policy,
      user_key: user.key,
      metadata,
    };
    turnIndex++;
    records.push(turn);
    return turn;
  }

  function pushEvent(messageId: string, kind: string, ts: number): void {
    records.push({
      type: 'feedback',
      event_id: `e-${tag}-${eventCount++}`,
      message_id: messageId,
      kind,
      value: 1,
      ts: Math.round(ts),
      user_key: user.key,
    });
  }

  function withPii(content: string, role: 'user' | 'assistant', messageId: string): string {
    const rate = role === 'user' ? cfg.piiRate : cfg.piiRate / 5;
    if (rate <= 0 || !rng.chance(rate)) return content;
    const sample = drawPii(rng);
    pii.push({ conversationId: id, messageId, kind: sample.kind, value: sample.value });
    const sentence = piiSentence(sample, rng, role);
    return rng.chance(0.5) ? `${content}\n\n${sentence}` : `${sentence} ${content}`;
  }

  function userTurn(content: string): TurnRecord {
    const messageId = `m-${tag}-${turnIndex}`;
    return pushTurn('user', withPii(casual(content), 'user', messageId), userMeta);
  }

  // Real users often type in lower case without final punctuation.
  function casual(text: string): string {
    if (!rng.chance(0.2) || text.includes('\n')) return text;
    const lowered = text[0].toLowerCase() + text.slice(1);
    return lowered.endsWith('.') ? lowered.slice(0, -1) : lowered;
  }

  let domain = DOMAINS[rng.weighted(DOMAIN_WEIGHTS)];
  let slots = new Slots(rng, domain);

  function newAsk(): Ask {
    const r = rng.next();
    if (r < 0.04 && domain.impossible.length > 0) {
      const impossible = rng.pick(domain.impossible);
      return { text: fill(impossible.ask, slots), constraint: null, impossible };
    }
    let text = fill(rng.pick(domain.requests), slots);
    let constraint: Constraint | null = null;
    if (r < 0.3 && domain.constraints.length > 0) {
      constraint = rng.pick(domain.constraints);
      text += fill(constraint.ask, slots);
    }
    return { text, constraint, impossible: null };
  }

  /** Composes an answer whose text reflects its quality; a revision opens with an apology and the correction, if any. */
  function answer(ask: Ask, quality: number, forcedFlaw: Flaw | null, revising: boolean, correction: string | null): Answer {
    let flaw: Flaw | null = forcedFlaw;
    if (flaw === null && !revising) {
      if (ask.impossible) flaw = 'unrealistic';
      else if (quality < 0.45) {
        flaw = (['factual', 'ignored', 'insufficient', 'style', 'vague'] as const)[
          rng.weighted([domain.wrongFacts.length ? 3 : 0, ask.constraint ? 4 : 0, 2, 1.5, 2])
        ];
      } else if (quality < 0.6) {
        const i = rng.weighted([6, 1, 1, domain.wrongFacts.length ? 1 : 0, ask.constraint ? 1.5 : 0]);
        flaw = i === 0 ? null : (['insufficient', 'style', 'factual', 'ignored'] as const)[i - 1];
      } else if (rng.chance(0.04)) flaw = 'style';
    }
    const hack = hackPolicy ? rng.chance(0.85) : rng.chance(0.04);
    const lines: string[] = [];
    if (hack) lines.push(rng.pick(HACK_OPENERS));
    if (revising) lines.push(correction ? `${rng.pick(REVISION_OPENERS)} ${capitalize(correction)}.` : rng.pick(REVISION_OPENERS));
    let wrongFact: WrongFact | null = null;
    let hasCode = false;
    switch (flaw) {
      case 'vague':
        lines.push(fill(rng.pick(VAGUE), slots) + ' ' + fill(rng.pick(VAGUE), slots));
        break;
      case 'worse':
        lines.push(fill(rng.pick(VAGUE), slots) + ' ' + fill(rng.pick(domain.points), slots));
        break;
      case 'insufficient':
        lines.push(`Basically: ${keyPoint() ?? fill(rng.pick(domain.points), slots)}`);
        break;
      case 'unrealistic':
        lines.push(fill(ask.impossible!.reply, slots));
        break;
      case 'style': {
        let wall = fill(rng.pick(STUFFY), slots);
        for (const p of pickPoints(4)) wall += ' Furthermore, ' + p[0].toLowerCase() + p.slice(1);
        lines.push(wall + ' In conclusion, all of the aforementioned considerations should be carefully weighed.');
        break;
      }
      default: {
        lines.push(fill(rng.pick(domain.openers), slots));
        const key = keyPoint();
        const points = pickPoints(2 + Math.round(quality * 3) - (key ? 1 : 0));
        if (key) points.unshift(key);
        if (flaw === 'factual') {
          wrongFact = rng.pick(domain.wrongFacts);
          points[rng.int(points.length)] = wrongFact.wrong;
        } else if (flaw === 'ignored' && ask.constraint) {
          points.splice(rng.int(points.length), 0, fill(ask.constraint.violation, slots));
        }
        const style = rng.int(3);
        lines.push(points.map((p, i) => (style === 0 ? `${i + 1}. ${p}` : style === 1 ? `- ${p}` : p)).join(style === 2 ? ' ' : '\n'));
        if (domain.snippets && quality > 0.35) {
          const lang = slots.slot(domain.name === 'coding' ? 'lang' : 'tool', false);
          const snippets = domain.snippets[lang];
          if (snippets) {
            lines.push(fill(rng.pick(snippets), slots));
            hasCode = true;
          }
        }
        if (quality > 0.75 && !hack) lines.push(rng.pick(PLAIN_CLOSERS));
      }
    }
    if (hack) lines.push(rng.pick(HACK_CLOSERS));
    return { content: lines.join('\n\n'), quality, flaw, hack, hasCode, wrongFact };
  }

  /** The point that answers this conversation's specific topic, when the domain has one. */
  function keyPoint(): string | null {
    const keyed = domain.keyed;
    if (!keyed) return null;
    const i = domain.slots[keyed.slot].indexOf(slots.slot(keyed.slot, false));
    return i >= 0 ? fill(keyed.points[i], slots) : null;
  }

  function pickPoints(k: number): string[] {
    const order = domain.points.map((_, i) => i);
    const n = Math.min(k, order.length);
    for (let i = 0; i < n; i++) {
      const j = i + rng.int(order.length - i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order.slice(0, n).map((i) => fill(domain.points[i], slots));
  }

  function drawQuality(shift: number): number {
    return clamp(policyMean + shift + 0.2 * rng.normal(), 0.02, 0.98);
  }

  // ---- the conversation itself ----
  const lengthPick = rng.next();
  const userTurnBudget =
    lengthPick < 0.02 ? rng.range(8, 18) : 1 + rng.weighted([30, 26, 18, 12, 8, 6]);

  if (rng.chance(0.3)) pushTurn('system', rng.pick(SYSTEM_PROMPTS), {});
  t += 1000;

  let ask = newAsk();
  slots.request = ask.text;
  userTurn(ask.text);
  let userTurns = 1;
  let revisingFrom: { id: string; quality: number; wrongFact: WrongFact | null } | null = null;
  let regenerations = 0;
  let worseAllowed = true;

  for (;;) {
    // Answer the current user turn.
    if (regenerations === 0 && (domain.name === 'travel' || domain.name === 'trivia' || domain.name === 'support')) {
      if (rng.chance(0.06)) {
        t += 800;
        pushTurn('tool', `[web_search] 3 results for "${slots.slot('topic', false)}": official site, a travel forum thread, an FAQ page.`, { tool: 'web_search' });
      }
    }
    let quality: number;
    let forcedFlaw: Flaw | null = null;
    if (revisingFrom) {
      if (worseAllowed && rng.chance(0.15)) {
        quality = clamp(revisingFrom.quality - 0.15, 0.02, 0.98);
        forcedFlaw = 'worse';
        worseAllowed = false;
      } else quality = clamp(revisingFrom.quality + 0.25 + 0.3 * rng.next(), 0.02, 0.98);
    } else quality = drawQuality(domain.name === 'coding' || domain.name === 'math' ? -0.03 : 0);
    const ans = answer(ask, quality, forcedFlaw, revisingFrom !== null, revisingFrom?.wrongFact?.right ?? null);
    t += 2000 + ans.content.length * 6 + rng.int(4000);
    const gen: GroundTruth = { reaction: 'neutral', category: null, quality: Math.round(quality * 100) / 100, domain: domain.name };
    if (ans.flaw) gen.flaw = ans.flaw;
    if (ans.hack) gen.hack = true;
    if (revisingFrom) gen.revision_of = revisingFrom.id;
    const meta: Record<string, unknown> = { latency_ms: 400 + rng.int(2000) + ans.content.length * 4, output_tokens: Math.ceil(ans.content.length / 4) };
    const previousAssistant = records.length > 0 ? lastAssistant(records) : null;
    if (previousAssistant && regenerations > 0) meta.regenerates = previousAssistant.message_id;
    meta.gen = gen;
    const messageId = `m-${tag}-${turnIndex}`;
    const assistantTurn = pushTurn('assistant', withPii(ans.content, 'assistant', messageId), meta);
    const answerTs = t;
    const readMs = 8000 + ans.content.length * 25 + rng.int(90_000);
    const exposure = Math.min(1.6, 0.4 + ans.content.length / 700);
    const react = user.reactivity * exposure;
    const budgetLeft = userTurns < userTurnBudget;

    // The user may stop a long answer that is going nowhere.
    if ((ans.flaw === 'style' || ans.flaw === 'vague') && ans.content.length > 300 && rng.chance(0.1 * user.reactivity)) {
      assistantTurn.content = assistantTurn.content.slice(0, Math.floor(assistantTurn.content.length * (0.4 + 0.3 * rng.next())));
      pushEvent(assistantTurn.message_id, 'stop', answerTs + 100 + rng.int(400));
    }

    // Regenerate instead of replying: the next turn is another answer to the same request.
    if (budgetLeft && regenerations < 2 && rng.chance((0.015 + 0.08 * (1 - quality)) * Math.min(2, user.reactivity))) {
      gen.reaction = 'dsat';
      const regenTs = answerTs + 3000 + rng.int(15_000);
      pushEvent(assistantTurn.message_id, 'regenerate', regenTs);
      superseded.add(assistantTurn.message_id);
      regenerations++;
      t = regenTs;
      revisingFrom = null;
      continue;
    }
    regenerations = 0;

    // Decide the user's reaction.
    let label: SignalLabel = 'neutral';
    let category: Category | null = null;
    if (budgetLeft) {
      const pDsat = ans.flaw
        ? { factual: 0.55, ignored: 0.6, unrealistic: 0.55, vague: 0.4, insufficient: 0.35, style: 0.3, worse: 0.55 }[ans.flaw]
        : 0.03 + 0.1 * (1 - quality);
      const pSat = ans.flaw ? 0.04 : 0.05 + (revisingFrom ? 0.55 : 0.35) * quality * quality;
      const u = rng.next();
      if (u < pDsat) {
        label = 'dsat';
        category = DSAT_CATEGORIES[rng.weighted(dsatWeights(ans.flaw))];
        if (category === 'lower_quality' && !revisingFrom) category = 'negative_feedback';
      } else if (u < pDsat + pSat) {
        label = 'sat';
        category = SAT_CATEGORIES[rng.weighted(SAT_WEIGHT_LIST)];
        if (category === 'compliance' && !ans.hasCode && rng.chance(0.5)) category = 'gratitude';
      }
    } else if (rng.chance(0.3 * quality)) {
      label = 'sat';
      category = rng.chance(0.6) ? 'positive_closure' : 'gratitude';
    }

    // Explicit feedback, correlated with the hidden quality, the reaction and the policy's style.
    const labelBoost = label === 'sat' ? 2 : label === 'dsat' ? 0.2 : 1;
    const pLove = react * (0.004 + 0.07 * sigmoid((quality - 0.6) * 8)) * (ans.hack ? 3 : 1) * labelBoost;
    if (rng.chance(Math.min(0.9, pLove))) pushEvent(assistantTurn.message_id, 'love', answerTs + 2000 + rng.int(readMs));
    else if (rng.chance(Math.min(0.9, react * (0.003 + 0.04 * sigmoid((quality - 0.6) * 8)) * labelBoost)))
      pushEvent(assistantTurn.message_id, 'thumbs_up', answerTs + 2000 + rng.int(readMs));
    const downBoost = label === 'dsat' ? 3 : label === 'sat' ? 0.1 : 1;
    if (rng.chance(Math.min(0.9, react * (0.003 + 0.06 * sigmoid((0.4 - quality) * 8)) * downBoost)))
      pushEvent(assistantTurn.message_id, 'thumbs_down', answerTs + 2000 + rng.int(readMs));
    if (ans.hasCode && rng.chance((0.1 + 0.4 * quality) * (label === 'dsat' ? 0.3 : 1)))
      pushEvent(assistantTurn.message_id, 'copy', answerTs + 4000 + rng.int(60_000));
    const editRate = domain.name === 'writing' || domain.name === 'editing' ? 0.04 : 0.008;
    if (rng.chance(editRate * user.reactivity)) pushEvent(assistantTurn.message_id, 'edit', answerTs + 5000 + rng.int(readMs));

    if (label === 'neutral' && !budgetLeft) break; // the user leaves; nothing follows the last answer

    t = answerTs + readMs;
    const wrongFact = ans.wrongFact;
    const nextRevisingFrom = { id: assistantTurn.message_id, quality, wrongFact };
    revisingFrom = null;
    gen.reaction = label;
    gen.category = category;

    if (label === 'sat') {
      const sat = category as SatCategory;
      const { text, hard } = satText(sat);
      if (hard) gen.hard = hard;
      if (sat === 'positive_closure' || !budgetLeft) {
        userTurn(text);
        t += 1500;
        pushTurn('assistant', rng.pick(WELCOME_REPLIES), { gen: { reaction: 'neutral', category: null, quality: 0.5, domain: domain.name } });
        break;
      }
      userTurns++;
      if (sat === 'getting_there') {
        userTurn(text);
        revisingFrom = nextRevisingFrom;
        continue;
      }
      if (rng.chance(0.5)) {
        userTurn(text);
        t += 1500;
        const welcome = pushTurn('assistant', rng.pick(WELCOME_REPLIES), { gen: { reaction: 'neutral', category: null, quality: 0.5, domain: domain.name } });
        if (userTurns >= userTurnBudget) break;
        t += 5000 + rng.int(60_000);
        const next = neutralFollowUp(welcome);
        userTurns++;
        userTurn(next);
      } else {
        const next = continuation();
        userTurn(/[a-z]$/i.test(text) ? `${text}, ${next[0].toLowerCase()}${next.slice(1)}` : `${text} ${next}`);
      }
      continue;
    }

    if (label === 'dsat') {
      const dsat = category as DsatCategory;
      userTurns++;
      if (dsat === 'no_engagement') {
        // Abrupt switch to an unrelated task.
        const prefix = rng.pick(DSAT_PHRASES.no_engagement);
        let nextDomain = DOMAINS[rng.weighted(DOMAIN_WEIGHTS)];
        if (nextDomain === domain) nextDomain = DOMAINS[(DOMAINS.indexOf(domain) + 1) % DOMAINS.length];
        domain = nextDomain;
        slots = new Slots(rng, domain);
        ask = newAsk();
        slots.request = ask.text;
        userTurn(prefix + ask.text);
        continue;
      }
      slots.right = wrongFact ? wrongFact.right : '';
      const { text, hard } = dsatText(dsat, ans, ask);
      if (hard) gen.hard = hard;
      userTurn(text);
      if (dsat === 'unrealistic_expectation') {
        // Nothing to revise: the ask itself cannot be met. Apologise, then the user moves on.
        t += 1500;
        pushTurn('assistant', 'I understand the frustration. I cannot do that directly, but I am happy to help with the steps you can take.', {
          gen: { reaction: 'neutral', category: null, quality: 0.4, domain: domain.name },
        });
        if (userTurns >= userTurnBudget) break;
        t += 10_000 + rng.int(60_000);
        ask = newAsk();
        if (ask.impossible) ask = { text: fill(rng.pick(domain.requests), slots), constraint: null, impossible: null };
        slots.request = ask.text;
        userTurns++;
        userTurn(ask.text);
        continue;
      }
      revisingFrom = nextRevisingFrom;
      ask = { text: ask.text, constraint: null, impossible: null };
      continue;
    }

    // Neutral: the user just carries on.
    userTurns++;
    userTurn(neutralFollowUp(assistantTurn));
  }

  records.sort((a, b) => a.ts - b.ts || (a.type === 'turn' && b.type === 'turn' ? a.turn_index - b.turn_index : 0));
  return { id, userIndex, userKey: user.key, policy, records, superseded, pii };

  // ---- reaction text ----

  function hardFor(label: 'sat' | 'dsat', category: Category) {
    return HARD_PHRASES.find((h) => h.label === label && h.category === category && h.hard !== 'quoted');
  }

  function nonEnglish(category: Category): string | null {
    if (user.lang === 'en' || !rng.chance(0.6)) return null;
    const options = NON_ENGLISH[user.lang][category];
    return options ? rng.pick(options) : null;
  }

  function satText(category: SatCategory): { text: string; hard?: HardCase } {
    const foreign = nonEnglish(category);
    if (foreign) return { text: foreign, hard: 'non_english' };
    if (category === 'compliance' && rng.chance(0.1)) {
      const quoted = HARD_PHRASES.find((h) => h.hard === 'quoted' && h.label === 'sat')!;
      return { text: rng.pick(quoted.texts), hard: 'quoted' };
    }
    const hard = hardFor('sat', category);
    if (hard && rng.chance(0.15)) return { text: fill(rng.pick(hard.texts), slots), hard: hard.hard };
    return { text: fill(rng.pick(SAT_PHRASES[category]), slots) };
  }

  function dsatText(category: DsatCategory, ans: Answer, current: Ask): { text: string; hard?: HardCase } {
    const needsFact = category === 'factual_error' && !ans.wrongFact;
    if (!needsFact) {
      const foreign = nonEnglish(category);
      if (foreign) return { text: foreign, hard: 'non_english' };
      const hard = hardFor('dsat', category);
      if (hard && rng.chance(0.15)) return { text: fill(rng.pick(hard.texts), slots), hard: hard.hard };
    }
    switch (category) {
      case 'factual_error':
        if (!ans.wrongFact) return { text: rng.pick(['That is not correct.', 'This is wrong.', 'No, that is wrong.', 'That is factually incorrect, check again.']) };
        break;
      case 'ignored':
        if (current.constraint && rng.chance(0.7)) return { text: fill(current.constraint.complaint, slots) };
        break;
      case 'unrealistic_expectation':
        if (current.impossible && rng.chance(0.7)) return { text: current.impossible.complaint };
        break;
      case 'revision':
        if (rng.chance(0.35)) return { text: fill(rng.pick(REPHRASE_FRAMES), slots), hard: 'rephrase' };
        break;
    }
    return { text: fill(rng.pick(DSAT_PHRASES[category]), slots) };
  }

  /** A neutral next message: a follow-up question, a new request, or a hard case that only sounds negative. */
  function neutralFollowUp(previous: TurnRecord): string {
    const r = rng.next();
    if (r < 0.04) {
      markHard(previous, 'third_party');
      return fill(rng.pick(HARD_PHRASES.find((h) => h.hard === 'third_party')!.texts), slots);
    }
    if (r < 0.07) {
      markHard(previous, 'quoted');
      return rng.pick(HARD_PHRASES.find((h) => h.hard === 'quoted' && h.label === 'neutral')!.texts);
    }
    return continuation();
  }

  function continuation(): string {
    if (rng.chance(0.25)) {
      ask = newAsk();
      slots.request = ask.text;
      return ask.text;
    }
    ask = { text: ask.text, constraint: null, impossible: null };
    return fill(rng.pick(domain.followups), slots);
  }

  function markHard(turn: TurnRecord, hard: HardCase): void {
    const g = turn.metadata.gen as GroundTruth | undefined;
    if (g) g.hard = hard;
  }
}

function lastAssistant(records: SimRecord[]): TurnRecord | null {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r.type === 'turn' && r.role === 'assistant') return r;
  }
  return null;
}
