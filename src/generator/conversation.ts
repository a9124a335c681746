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

/** One conversation being simulated; a class rather than closures so per-conversation setup stays cheap. */
class ConversationSim {
  readonly rng: Rng;
  readonly tag: string;
  readonly id: string;
  readonly userIndex: number;
  readonly user: User;
  readonly policy: string;
  readonly hackPolicy: boolean;
  readonly policyMean: number;
  readonly userMeta: Record<string, unknown>;
  readonly records: SimRecord[] = [];
  readonly superseded = new Set<string>();
  readonly pii: PlantedPii[] = [];
  t: number;
  turnIndex = 0;
  eventCount = 0;
  domain: Domain;
  slots: Slots;
  ask: Ask = { text: '', constraint: null, impossible: null };

  constructor(
    readonly cfg: SimConfig,
    index: number,
  ) {
    this.rng = new Rng(mix32(this.cfg.seed, index));
    this.tag = this.rng.hex(8) + index.toString(36);
    this.id = `c-${this.tag}`;
    this.userIndex = Math.floor(this.cfg.users * Math.pow(this.rng.next(), 1.7));
    this.user = userFor(this.cfg, this.userIndex);

    // Newer policies roll out over the corpus' time span and take a growing share of traffic.
    const progress = this.cfg.conversations > 1 ? index / this.cfg.conversations : 0;
    const nPolicies = this.cfg.policyVersions.length;
    const policyWeights = this.cfg.policyVersions.map((_, k) => (progress >= (k / nPolicies) * 0.7 ? (k + 1) * (k + 1) : 0));
    const policyIdx = this.rng.weighted(policyWeights);
    this.policy = this.cfg.policyVersions[policyIdx];
    this.hackPolicy = this.policy === this.cfg.hackPolicy;
    this.policyMean = 0.52 + (0.08 * policyIdx) / Math.max(1, nPolicies - 1) - (this.hackPolicy ? 0.04 : 0);

    this.t = this.cfg.startMs + (index + this.rng.next()) * (this.cfg.spanMs / Math.max(1, this.cfg.conversations));
    this.userMeta = { client: this.user.client, locale: this.user.locale };

    this.domain = DOMAINS[this.rng.weighted(DOMAIN_WEIGHTS)];
    this.slots = new Slots(this.rng, this.domain);
  }

  pushTurn(role: Role, content: string, metadata: Record<string, unknown>): TurnRecord {
    const turn: TurnRecord = {
      type: 'turn',
      conversation_id: this.id,
      turn_index: this.turnIndex,
      message_id: `m-${this.tag}-${this.turnIndex}`,
      role,
      content,
      ts: Math.round(this.t),
      policy_version: this.policy,
      user_key: this.user.key,
      metadata,
    };
    this.turnIndex++;
    this.records.push(turn);
    return turn;
  }

  pushEvent(messageId: string, kind: string, ts: number): void {
    this.records.push({
      type: 'feedback',
      event_id: `e-${this.tag}-${this.eventCount++}`,
      message_id: messageId,
      kind,
      value: 1,
      ts: Math.round(ts),
      user_key: this.user.key,
    });
  }

  withPii(content: string, role: 'user' | 'assistant', messageId: string): string {
    const rate = role === 'user' ? this.cfg.piiRate : this.cfg.piiRate / 5;
    if (rate <= 0 || !this.rng.chance(rate)) return content;
    const sample = drawPii(this.rng);
    this.pii.push({ conversationId: this.id, messageId, kind: sample.kind, value: sample.value });
    const sentence = piiSentence(sample, this.rng, role);
    return this.rng.chance(0.5) ? `${content}\n\n${sentence}` : `${sentence} ${content}`;
  }

  userTurn(content: string): TurnRecord {
    const messageId = `m-${this.tag}-${this.turnIndex}`;
    return this.pushTurn('user', this.withPii(this.casual(content), 'user', messageId), this.userMeta);
  }

  // Real users often type in lower case without final punctuation.
  casual(text: string): string {
    if (!this.rng.chance(0.2) || text.includes('\n')) return text;
    const lowered = text[0].toLowerCase() + text.slice(1);
    return lowered.endsWith('.') ? lowered.slice(0, -1) : lowered;
  }


  newAsk(): Ask {
    const r = this.rng.next();
    if (r < 0.04 && this.domain.impossible.length > 0) {
      const impossible = this.rng.pick(this.domain.impossible);
      return { text: fill(impossible.ask, this.slots), constraint: null, impossible };
    }
    let text = fill(this.rng.pick(this.domain.requests), this.slots);
    let constraint: Constraint | null = null;
    if (r < 0.3 && this.domain.constraints.length > 0) {
      constraint = this.rng.pick(this.domain.constraints);
      text += fill(constraint.ask, this.slots);
    }
    return { text, constraint, impossible: null };
  }

  /** Composes an answer whose text reflects its quality; a revision opens with an apology and the correction, if any. */
  answer(ask: Ask, quality: number, forcedFlaw: Flaw | null, revising: boolean, correction: string | null): Answer {
    let flaw: Flaw | null = forcedFlaw;
    if (flaw === null && !revising) {
      if (this.ask.impossible) flaw = 'unrealistic';
      else if (quality < 0.45) {
        flaw = (['factual', 'ignored', 'insufficient', 'style', 'vague'] as const)[
          this.rng.weighted([this.fittingFacts().length ? 3 : 0, this.ask.constraint ? 4 : 0, 2, 1.5, 2])
        ];
      } else if (quality < 0.6) {
        const i = this.rng.weighted([6, 1, 1, this.fittingFacts().length ? 1 : 0, this.ask.constraint ? 1.5 : 0]);
        flaw = i === 0 ? null : (['insufficient', 'style', 'factual', 'ignored'] as const)[i - 1];
      } else if (this.rng.chance(0.04)) flaw = 'style';
    }
    const hack = this.hackPolicy ? this.rng.chance(0.85) : this.rng.chance(0.04);
    const lines: string[] = [];
    if (hack) lines.push(this.rng.pick(HACK_OPENERS));
    if (revising) lines.push(correction ? `${this.rng.pick(REVISION_OPENERS)} ${capitalize(correction)}.` : this.rng.pick(REVISION_OPENERS));
    let wrongFact: WrongFact | null = null;
    let hasCode = false;
    switch (flaw) {
      case 'vague':
        lines.push(fill(this.rng.pick(VAGUE), this.slots) + ' ' + fill(this.rng.pick(VAGUE), this.slots));
        break;
      case 'worse':
        lines.push(fill(this.rng.pick(VAGUE), this.slots) + ' ' + fill(this.rng.pick(this.domain.points), this.slots));
        break;
      case 'insufficient':
        lines.push(`Basically: ${this.keyPoint() ?? fill(this.rng.pick(this.domain.points), this.slots)}`);
        break;
      case 'unrealistic':
        lines.push(fill(this.ask.impossible!.reply, this.slots));
        break;
      case 'style': {
        let wall = fill(this.rng.pick(STUFFY), this.slots);
        for (const p of this.pickPoints(4)) wall += ' Furthermore, ' + p[0].toLowerCase() + p.slice(1);
        lines.push(wall + ' In conclusion, all of the aforementioned considerations should be carefully weighed.');
        break;
      }
      default: {
        lines.push(fill(this.rng.pick(this.domain.openers), this.slots));
        const key = this.keyPoint();
        const points = this.pickPoints(2 + Math.round(quality * 3) - (key ? 1 : 0));
        if (key) points.unshift(key);
        if (flaw === 'factual') {
          wrongFact = this.rng.pick(this.fittingFacts());
          points[this.rng.int(points.length)] = wrongFact.wrong;
        } else if (flaw === 'ignored' && this.ask.constraint) {
          points.splice(this.rng.int(points.length), 0, fill(this.ask.constraint.violation, this.slots));
        }
        const style = this.rng.int(3);
        lines.push(points.map((p, i) => (style === 0 ? `${i + 1}. ${p}` : style === 1 ? `- ${p}` : p)).join(style === 2 ? ' ' : '\n'));
        if (this.domain.snippets && quality > 0.35) {
          const lang = this.slots.slot(this.domain.name === 'coding' ? 'lang' : 'tool', false);
          const snippets = this.domain.snippets[lang];
          if (snippets) {
            lines.push(fill(this.rng.pick(snippets), this.slots));
            hasCode = true;
          }
        }
        if (quality > 0.75 && !hack) lines.push(this.rng.pick(PLAIN_CLOSERS));
      }
    }
    if (hack) lines.push(this.rng.pick(HACK_CLOSERS));
    return { content: lines.join('\n\n'), quality, flaw, hack, hasCode, wrongFact };
  }

  /** Wrong facts that fit this conversation's topic. */
  fittingFacts(): WrongFact[] {
    const bound = [...this.slots.bindings.values()];
    return this.domain.wrongFacts.filter((w) => w.when === undefined || bound.includes(w.when));
  }

  /** The point that answers this conversation's specific topic, when the domain has one. */
  keyPoint(): string | null {
    const keyed = this.domain.keyed;
    if (!keyed) return null;
    const i = this.domain.slots[keyed.slot].indexOf(this.slots.slot(keyed.slot, false));
    return i >= 0 ? fill(keyed.points[i], this.slots) : null;
  }

  pickPoints(k: number): string[] {
    const order = this.domain.points.map((_, i) => i);
    const n = Math.min(k, order.length);
    for (let i = 0; i < n; i++) {
      const j = i + this.rng.int(order.length - i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order.slice(0, n).map((i) => fill(this.domain.points[i], this.slots));
  }

  drawQuality(shift: number): number {
    return clamp(this.policyMean + shift + 0.2 * this.rng.normal(), 0.02, 0.98);
  }

  run(): void {
    const lengthPick = this.rng.next();
    const userTurnBudget =
      lengthPick < 0.02 ? this.rng.range(8, 18) : 1 + this.rng.weighted([30, 26, 18, 12, 8, 6]);

    if (this.rng.chance(0.3)) this.pushTurn('system', this.rng.pick(SYSTEM_PROMPTS), {});
    this.t += 1000;

    this.ask = this.newAsk();
    this.slots.request = this.ask.text;
    this.userTurn(this.ask.text);
    let userTurns = 1;
    let revisingFrom: { id: string; quality: number; wrongFact: WrongFact | null } | null = null;
    let regenerations = 0;
    let worseAllowed = true;

    for (;;) {
      // Answer the current user turn.
      if (regenerations === 0 && (this.domain.name === 'travel' || this.domain.name === 'trivia' || this.domain.name === 'support')) {
        if (this.rng.chance(0.06)) {
          this.t += 800;
          this.pushTurn('tool', `[web_search] 3 results for "${this.slots.slot('topic', false)}": official site, a travel forum thread, an FAQ page.`, { tool: 'web_search' });
        }
      }
      let quality: number;
      let forcedFlaw: Flaw | null = null;
      if (revisingFrom) {
        if (worseAllowed && this.rng.chance(0.15)) {
          quality = clamp(revisingFrom.quality - 0.15, 0.02, 0.98);
          forcedFlaw = 'worse';
          worseAllowed = false;
        } else quality = clamp(revisingFrom.quality + 0.25 + 0.3 * this.rng.next(), 0.02, 0.98);
      } else quality = this.drawQuality(this.domain.name === 'coding' || this.domain.name === 'math' ? -0.03 : 0);
      const ans = this.answer(this.ask, quality, forcedFlaw, revisingFrom !== null, revisingFrom?.wrongFact?.right ?? null);
      this.t += 2000 + ans.content.length * 6 + this.rng.int(4000);
      const gen: GroundTruth = { reaction: 'neutral', category: null, quality: Math.round(quality * 100) / 100, domain: this.domain.name };
      if (ans.flaw) gen.flaw = ans.flaw;
      if (ans.hack) gen.hack = true;
      if (revisingFrom) gen.revision_of = revisingFrom.id;
      const meta: Record<string, unknown> = { latency_ms: 400 + this.rng.int(2000) + ans.content.length * 4, output_tokens: Math.ceil(ans.content.length / 4) };
      const previousAssistant = this.records.length > 0 ? lastAssistant(this.records) : null;
      if (previousAssistant && regenerations > 0) meta.regenerates = previousAssistant.message_id;
      meta.gen = gen;
      const messageId = `m-${this.tag}-${this.turnIndex}`;
      const assistantTurn = this.pushTurn('assistant', this.withPii(ans.content, 'assistant', messageId), meta);
      const answerTs = this.t;
      const readMs = 8000 + ans.content.length * 25 + this.rng.int(90_000);
      const exposure = Math.min(1.6, 0.4 + ans.content.length / 700);
      const react = this.user.reactivity * exposure;
      const budgetLeft = userTurns < userTurnBudget;

      // The user may stop a long answer that is going nowhere.
      if ((ans.flaw === 'style' || ans.flaw === 'vague') && ans.content.length > 300 && this.rng.chance(0.1 * this.user.reactivity)) {
        assistantTurn.content = assistantTurn.content.slice(0, Math.floor(assistantTurn.content.length * (0.4 + 0.3 * this.rng.next())));
        this.pushEvent(assistantTurn.message_id, 'stop', answerTs + 100 + this.rng.int(400));
      }

      // Regenerate instead of replying: the next turn is another answer to the same request.
      if (budgetLeft && regenerations < 2 && this.rng.chance((0.015 + 0.08 * (1 - quality)) * Math.min(2, this.user.reactivity))) {
        gen.reaction = 'dsat';
        const regenTs = answerTs + 3000 + this.rng.int(15_000);
        this.pushEvent(assistantTurn.message_id, 'regenerate', regenTs);
        this.superseded.add(assistantTurn.message_id);
        regenerations++;
        this.t = regenTs;
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
        const u = this.rng.next();
        if (u < pDsat) {
          label = 'dsat';
          category = DSAT_CATEGORIES[this.rng.weighted(dsatWeights(ans.flaw))];
          if (category === 'lower_quality' && !revisingFrom) category = 'negative_feedback';
        } else if (u < pDsat + pSat) {
          label = 'sat';
          category = SAT_CATEGORIES[this.rng.weighted(SAT_WEIGHT_LIST)];
          if (category === 'compliance' && !ans.hasCode && this.rng.chance(0.5)) category = 'gratitude';
        }
      } else if (this.rng.chance(0.3 * quality)) {
        label = 'sat';
        category = this.rng.chance(0.6) ? 'positive_closure' : 'gratitude';
      }

      // Explicit feedback, correlated with the hidden quality, the reaction and the policy's style.
      const labelBoost = label === 'sat' ? 2 : label === 'dsat' ? 0.2 : 1;
      const pLove = react * (0.004 + 0.07 * sigmoid((quality - 0.6) * 8)) * (ans.hack ? 3 : 1) * labelBoost;
      if (this.rng.chance(Math.min(0.9, pLove))) this.pushEvent(assistantTurn.message_id, 'love', answerTs + 2000 + this.rng.int(readMs));
      else if (this.rng.chance(Math.min(0.9, react * (0.003 + 0.04 * sigmoid((quality - 0.6) * 8)) * labelBoost)))
        this.pushEvent(assistantTurn.message_id, 'thumbs_up', answerTs + 2000 + this.rng.int(readMs));
      const downBoost = label === 'dsat' ? 3 : label === 'sat' ? 0.1 : 1;
      if (this.rng.chance(Math.min(0.9, react * (0.003 + 0.06 * sigmoid((0.4 - quality) * 8)) * downBoost)))
        this.pushEvent(assistantTurn.message_id, 'thumbs_down', answerTs + 2000 + this.rng.int(readMs));
      if (ans.hasCode && this.rng.chance((0.1 + 0.4 * quality) * (label === 'dsat' ? 0.3 : 1)))
        this.pushEvent(assistantTurn.message_id, 'copy', answerTs + 4000 + this.rng.int(60_000));
      const editRate = this.domain.name === 'writing' || this.domain.name === 'editing' ? 0.04 : 0.008;
      if (this.rng.chance(editRate * this.user.reactivity)) this.pushEvent(assistantTurn.message_id, 'edit', answerTs + 5000 + this.rng.int(readMs));

      if (label === 'neutral' && !budgetLeft) break; // the user leaves; nothing follows the last answer

      this.t = answerTs + readMs;
      const wrongFact = ans.wrongFact;
      const nextRevisingFrom = { id: assistantTurn.message_id, quality, wrongFact };
      revisingFrom = null;
      gen.reaction = label;
      gen.category = category;

      if (label === 'sat') {
        const sat = category as SatCategory;
        const { text, hard } = this.satText(sat);
        if (hard) gen.hard = hard;
        if (sat === 'positive_closure' || !budgetLeft) {
          this.userTurn(text);
          this.t += 1500;
          this.pushTurn('assistant', this.rng.pick(WELCOME_REPLIES), { gen: { reaction: 'neutral', category: null, quality: 0.5, domain: this.domain.name } });
          break;
        }
        userTurns++;
        if (sat === 'getting_there') {
          this.userTurn(text);
          revisingFrom = nextRevisingFrom;
          continue;
        }
        if (this.rng.chance(0.5)) {
          this.userTurn(text);
          this.t += 1500;
          const welcome = this.pushTurn('assistant', this.rng.pick(WELCOME_REPLIES), { gen: { reaction: 'neutral', category: null, quality: 0.5, domain: this.domain.name } });
          if (userTurns >= userTurnBudget) break;
          this.t += 5000 + this.rng.int(60_000);
          const next = this.neutralFollowUp(welcome);
          userTurns++;
          this.userTurn(next);
        } else {
          const next = this.continuation();
          this.userTurn(/[a-z]$/i.test(text) ? `${text}, ${next[0].toLowerCase()}${next.slice(1)}` : `${text} ${next}`);
        }
        continue;
      }

      if (label === 'dsat') {
        const dsat = category as DsatCategory;
        userTurns++;
        if (dsat === 'no_engagement') {
          // Abrupt switch to an unrelated task.
          const prefix = this.rng.pick(DSAT_PHRASES.no_engagement);
          let nextDomain = DOMAINS[this.rng.weighted(DOMAIN_WEIGHTS)];
          if (nextDomain === this.domain) nextDomain = DOMAINS[(DOMAINS.indexOf(this.domain) + 1) % DOMAINS.length];
          this.domain = nextDomain;
          this.slots = new Slots(this.rng, this.domain);
          this.ask = this.newAsk();
          this.slots.request = this.ask.text;
          this.userTurn(prefix + this.ask.text);
          continue;
        }
        this.slots.right = wrongFact ? wrongFact.right : '';
        const { text, hard } = this.dsatText(dsat, ans, this.ask);
        if (hard) gen.hard = hard;
        this.userTurn(text);
        if (dsat === 'unrealistic_expectation') {
          // Nothing to revise: the ask itself cannot be met. Apologise, then the user moves on.
          this.t += 1500;
          this.pushTurn('assistant', 'I understand the frustration. I cannot do that directly, but I am happy to help with the steps you can take.', {
            gen: { reaction: 'neutral', category: null, quality: 0.4, domain: this.domain.name },
          });
          if (userTurns >= userTurnBudget) break;
          this.t += 10_000 + this.rng.int(60_000);
          this.ask = this.newAsk();
          if (this.ask.impossible) this.ask = { text: fill(this.rng.pick(this.domain.requests), this.slots), constraint: null, impossible: null };
          this.slots.request = this.ask.text;
          userTurns++;
          this.userTurn(this.ask.text);
          continue;
        }
        revisingFrom = nextRevisingFrom;
        this.ask = { text: this.ask.text, constraint: null, impossible: null };
        continue;
      }

      // Neutral: the user just carries on.
      userTurns++;
      this.userTurn(this.neutralFollowUp(assistantTurn));
    }

  }

  hardFor(label: 'sat' | 'dsat', category: Category) {
    return HARD_PHRASES.find((h) => h.label === label && h.category === category && h.hard !== 'quoted');
  }

  nonEnglish(category: Category): string | null {
    if (this.user.lang === 'en' || !this.rng.chance(0.6)) return null;
    const options = NON_ENGLISH[this.user.lang][category];
    return options ? this.rng.pick(options) : null;
  }

  satText(category: SatCategory): { text: string; hard?: HardCase } {
    const foreign = this.nonEnglish(category);
    if (foreign) return { text: foreign, hard: 'non_english' };
    if (category === 'compliance' && this.rng.chance(0.1)) {
      const quoted = HARD_PHRASES.find((h) => h.hard === 'quoted' && h.label === 'sat')!;
      return { text: this.rng.pick(quoted.texts), hard: 'quoted' };
    }
    const hard = this.hardFor('sat', category);
    if (hard && this.rng.chance(0.15)) return { text: fill(this.rng.pick(hard.texts), this.slots), hard: hard.hard };
    return { text: fill(this.rng.pick(SAT_PHRASES[category]), this.slots) };
  }

  dsatText(category: DsatCategory, ans: Answer, current: Ask): { text: string; hard?: HardCase } {
    const needsFact = category === 'factual_error' && !ans.wrongFact;
    if (!needsFact) {
      const foreign = this.nonEnglish(category);
      if (foreign) return { text: foreign, hard: 'non_english' };
      const hard = this.hardFor('dsat', category);
      if (hard && this.rng.chance(0.15)) return { text: fill(this.rng.pick(hard.texts), this.slots), hard: hard.hard };
    }
    switch (category) {
      case 'factual_error':
        if (!ans.wrongFact) return { text: this.rng.pick(['That is not correct.', 'This is wrong.', 'No, that is wrong.', 'That is factually incorrect, check again.']) };
        break;
      case 'ignored':
        if (current.constraint && this.rng.chance(0.7)) return { text: fill(current.constraint.complaint, this.slots) };
        break;
      case 'unrealistic_expectation':
        if (current.impossible && this.rng.chance(0.7)) return { text: current.impossible.complaint };
        break;
      case 'revision':
        if (this.rng.chance(0.35)) return { text: fill(this.rng.pick(REPHRASE_FRAMES), this.slots), hard: 'rephrase' };
        break;
    }
    return { text: fill(this.rng.pick(DSAT_PHRASES[category]), this.slots) };
  }

  /** A neutral next message: a follow-up question, a new request, or a hard case that only sounds negative. */
  neutralFollowUp(previous: TurnRecord): string {
    const r = this.rng.next();
    if (r < 0.04) {
      this.markHard(previous, 'third_party');
      return fill(this.rng.pick(HARD_PHRASES.find((h) => h.hard === 'third_party')!.texts), this.slots);
    }
    if (r < 0.07) {
      this.markHard(previous, 'quoted');
      return this.rng.pick(HARD_PHRASES.find((h) => h.hard === 'quoted' && h.label === 'neutral')!.texts);
    }
    return this.continuation();
  }

  continuation(): string {
    if (this.rng.chance(0.25)) {
      this.ask = this.newAsk();
      this.slots.request = this.ask.text;
      return this.ask.text;
    }
    this.ask = { text: this.ask.text, constraint: null, impossible: null };
    return fill(this.rng.pick(this.domain.followups), this.slots);
  }

  markHard(turn: TurnRecord, hard: HardCase): void {
    const g = turn.metadata.gen as GroundTruth | undefined;
    if (g) g.hard = hard;
  }
}

export function simulateConversation(cfg: SimConfig, index: number): SimConversation {
  const sim = new ConversationSim(cfg, index);
  sim.run();
  const { id, userIndex, user, policy, records, superseded, pii } = sim;
  records.sort((a, b) => a.ts - b.ts || (a.type === 'turn' && b.type === 'turn' ? a.turn_index - b.turn_index : 0));
  return { id, userIndex, userKey: user.key, policy, records, superseded, pii };
}

function lastAssistant(records: SimRecord[]): TurnRecord | null {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r.type === 'turn' && r.role === 'assistant') return r;
  }
  return null;
}
