// P[Love] labels from feedback events, with the propensity of any reaction: a Love within the window after
// a shown response is positive, a shown response without one is negative. Few responses get any reaction and
// not at random (some users react a lot), so each row carries P(any reaction | exposure features) for the
// inverse-propensity (MNAR) loss in train.ts.
import type { Conversation } from '../model.js';
import type { LoveExample } from './train.js';

export interface LoveLabelOptions {
  /** Feedback kinds that count as a Love; default ['love']. */
  loveKinds?: string[];
  /** Kinds that count as "the user reacted" for the propensity; default love, thumbs_up, thumbs_down (+ loveKinds). */
  reactionKinds?: string[];
  /** A reaction counts only within this many hours after the response; default 24. */
  windowHours?: number;
}

export interface LoveLabelRow extends LoveExample {
  label: 0 | 1;
  context: { role: string; content: string }[];
  conversationId: string;
  messageId: string;
  turnIndex: number;
  policyVersion: string | null;
  userHash: string | null;
  /** Any reaction of reactionKinds within the window. */
  reacted: boolean;
}

/** One row per shown assistant turn (metadata.shown === false marks a turn never displayed). */
export function loveLabelRows(conversations: Iterable<Conversation>, opts: LoveLabelOptions = {}): LoveLabelRow[] {
  const loveKinds = new Set((opts.loveKinds ?? ['love']).map((k) => k.toLowerCase()));
  const reactionKinds = new Set([...(opts.reactionKinds ?? ['love', 'thumbs_up', 'thumbs_down']).map((k) => k.toLowerCase()), ...loveKinds]);
  const windowMs = (opts.windowHours ?? 24) * 3_600_000;
  const rows: LoveLabelRow[] = [];
  for (const conv of conversations) {
    conv.turns.forEach((turn, i) => {
      if (turn.role !== 'assistant' || turn.metadata.shown === false) return;
      const shownAt = turn.ts ? Date.parse(turn.ts) : null;
      const inWindow = (ts: string | null): boolean => {
        if (shownAt === null || ts === null) return true; // no clock to check against
        const dt = Date.parse(ts) - shownAt;
        return dt >= 0 && dt <= windowMs;
      };
      const events = (conv.feedback.get(turn.messageId) ?? []).filter((e) => inWindow(e.ts));
      rows.push({
        context: conv.turns.slice(0, i).map((t) => ({ role: t.role, content: t.content })),
        response: turn.content,
        label: events.some((e) => loveKinds.has(e.kind)) ? 1 : 0,
        reacted: events.some((e) => reactionKinds.has(e.kind)),
        group: conv.conversationId,
        conversationId: conv.conversationId,
        messageId: turn.messageId,
        turnIndex: turn.turnIndex,
        policyVersion: turn.policyVersion,
        userHash: turn.userHash,
      });
    });
  }
  return rows;
}

export interface PropensityOptions {
  /** Pseudo-count pulling a user's reaction rate towards the global rate; default 5. */
  priorStrength?: number;
  /** Ridge penalty of the logistic fit; default 1e-2. */
  ridge?: number;
}

export interface PropensityModel {
  featureNames: string[];
  coefficients: number[];
  baseRate: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const logit = (p: number): number => Math.log(p / (1 - p));

function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c || m[c][c] === 0) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => (row[i] === 0 ? 0 : row[n] / row[i]));
}

/** Weighted logistic regression by Newton's method (small dense problems only). */
export function fitLogistic(x: number[][], y: number[], ridge = 1e-2, iterations = 25): number[] {
  const d = x[0]?.length ?? 0;
  let beta = new Array<number>(d).fill(0);
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(d).fill(0);
    const h = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < x.length; i++) {
      const p = sigmoid(x[i].reduce((s, v, k) => s + v * beta[k], 0));
      for (let k = 0; k < d; k++) {
        g[k] += (p - y[i]) * x[i][k];
        for (let l = 0; l < d; l++) h[k][l] += p * (1 - p) * x[i][k] * x[i][l];
      }
    }
    for (let k = 1; k < d; k++) {
      g[k] += ridge * beta[k];
      h[k][k] += ridge;
    }
    h[0][0] += 1e-9;
    const step = solve(h, g);
    beta = beta.map((b, k) => b - step[k]);
    if (step.reduce((s, v) => s + Math.abs(v), 0) < 1e-8) break;
  }
  return beta;
}

/**
 * Fit P(reacted | exposure features) and set `propensity` on every row. Features: the user's own reaction
 * rate (leave-one-out, shrunk to the global rate), response length, turn position, policy version.
 */
export function fitReactionPropensity(rows: LoveLabelRow[], opts: PropensityOptions = {}): PropensityModel {
  const k = opts.priorStrength ?? 5;
  const n = rows.length;
  if (n === 0) return { featureNames: [], coefficients: [], baseRate: 0 };
  const reactedTotal = rows.filter((r) => r.reacted).length;
  const baseRate = Math.min(0.99, Math.max(0.01, reactedTotal / n));
  const perUser = new Map<string, { n: number; r: number }>();
  for (const r of rows) {
    if (r.userHash === null) continue;
    const u = perUser.get(r.userHash) ?? { n: 0, r: 0 };
    u.n++;
    u.r += r.reacted ? 1 : 0;
    perUser.set(r.userHash, u);
  }
  const policies = [...new Set(rows.map((r) => r.policyVersion ?? '(none)'))].sort().slice(1);
  const featureNames = ['bias', 'user_rate_logit', 'log_response_chars', 'log_turn_index', ...policies.map((p) => `policy=${p}`)];
  const x = rows.map((r) => {
    const u = r.userHash === null ? undefined : perUser.get(r.userHash);
    // Leave this row out of its user's rate so the feature does not leak the label.
    const own = r.reacted ? 1 : 0;
    const rate = u ? (u.r - own + k * baseRate) / (u.n - 1 + k) : baseRate;
    const clamped = Math.min(0.999, Math.max(0.001, rate));
    return [
      1,
      logit(clamped),
      Math.log1p(r.response.length) / 5,
      Math.log1p(r.turnIndex) / 3,
      ...policies.map((p) => ((r.policyVersion ?? '(none)') === p ? 1 : 0)),
    ];
  });
  const coefficients = fitLogistic(
    x,
    rows.map((r) => (r.reacted ? 1 : 0)),
    opts.ridge,
  );
  rows.forEach((r, i) => {
    r.propensity = sigmoid(x[i].reduce((s, v, j) => s + v * coefficients[j], 0));
  });
  return { featureNames, coefficients, baseRate };
}

/** Label rows plus fitted reaction propensities: the examples `trainLoveModel` takes from the store. */
export function loveExamplesFromConversations(
  conversations: Iterable<Conversation>,
  opts: LoveLabelOptions & PropensityOptions = {},
): { rows: LoveLabelRow[]; propensity: PropensityModel } {
  const rows = loveLabelRows(conversations, opts);
  const propensity = fitReactionPropensity(rows, opts);
  return { rows, propensity };
}
