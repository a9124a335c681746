import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { conversation } from '../tests/fixtures/detectors/conversation.js';
import { createDetectors, detectConversation } from './registry.js';
import { DSAT_CATEGORIES, SAT_CATEGORIES, assistantTurnContexts, isAmbiguous, type Category, type DetectorResult } from './types.js';
import { createWildFeedbackDetector } from './wildfeedback.js';

const recall = JSON.parse(readFileSync(new URL('../tests/fixtures/detectors/recall.json', import.meta.url), 'utf8')) as {
  assistant: string;
  categories: Record<string, { assistant?: string; phrases: string[] }>;
};
const traps = JSON.parse(readFileSync(new URL('../tests/fixtures/detectors/traps.json', import.meta.url), 'utf8')) as {
  cases: Array<{ trap: string; followUp: string; assistant?: string; label?: 'sat' | 'dsat' | null; not?: 'sat' | 'dsat' }>;
};

const detector = createWildFeedbackDetector();

function react(followUp: string, assistant = recall.assistant): DetectorResult {
  const conv = conversation('t', [
    ['user', 'How tall is the Eiffel Tower?'],
    ['assistant', assistant],
    ['user', followUp],
  ]);
  const [ctx] = [...assistantTurnContexts(conv)];
  return detector.detect(ctx);
}

const labelOf = (r: DetectorResult) => (r === null || isAmbiguous(r) ? null : r.label);
const categoryOf = (r: DetectorResult) => (r === null || isAmbiguous(r) ? null : r.category);

describe('wildfeedback recall regression set', () => {
  it('covers all 18 categories', () => {
    assert.deepEqual(Object.keys(recall.categories).sort(), [...SAT_CATEGORIES, ...DSAT_CATEGORIES].sort());
  });
  for (const [category, { assistant, phrases }] of Object.entries(recall.categories)) {
    const label = (SAT_CATEGORIES as readonly string[]).includes(category) ? 'sat' : 'dsat';
    it(`${category}: every phrase is still recognised as ${label}/${category}`, () => {
      const silenced = phrases.filter((p) => {
        const r = react(p, assistant);
        return labelOf(r) !== label || categoryOf(r) !== category;
      });
      assert.deepEqual(silenced, [], `silenced ${category} phrases: ${silenced.map((p) => `${p} -> ${JSON.stringify(react(p, assistant))}`).join('; ')}`);
    });
  }
});

describe('wildfeedback false-positive traps', () => {
  for (const c of traps.cases) {
    it(`${c.trap}: ${JSON.stringify(c.followUp)}`, () => {
      const r = react(c.followUp, c.assistant);
      if (c.label !== undefined) assert.equal(labelOf(r), c.label, JSON.stringify(r));
      if (c.not) assert.notEqual(labelOf(r), c.not, JSON.stringify(r));
    });
  }
});

describe('wildfeedback per category, positive and negative examples', () => {
  const cases: Array<[Category, string, string]> = [
    // [category, positive example, near-miss that must not give this category]
    ['gratitude', 'thank you, that helps', 'thanks for nothing'],
    ['learning', 'oh, that makes sense', "that doesn't make sense"],
    ['compliance', 'it works now', "it doesn't work"],
    ['praise', 'that is a great suggestion', 'not great'],
    ['personal_details', 'I really like old westerns', "I don't like it"],
    ['humor', 'hahaha you got me', 'what?'],
    ['acknowledgment', 'yes, that is correct', 'that is not correct'],
    ['positive_closure', "that's all I need, have a good day", 'what else do you have?'],
    ['getting_there', 'much better now', 'not better at all'],
    ['negative_feedback', 'this is useless', 'this is useful'],
    ['revision', 'please rewrite it', 'please write it'],
    ['factual_error', 'that is incorrect', 'that is correct'],
    ['unrealistic_expectation', 'why can\'t you just do it?', 'can you just do it?'],
    ['no_engagement', 'never mind', 'mind the gap'],
    ['ignored', 'you ignored my question', 'you answered my question'],
    ['lower_quality', 'the previous answer was better', 'the answer is better'],
    ['insufficient_detail', 'please be more specific', 'specific enough, thanks'],
    ['style', 'too long', 'long enough'],
  ];
  for (const [category, positive, negative] of cases) {
    it(category, () => {
      assert.equal(categoryOf(react(positive)), category, `${positive}: ${JSON.stringify(react(positive))}`);
      assert.notEqual(categoryOf(react(negative)), category, `${negative}: ${JSON.stringify(react(negative))}`);
    });
  }
});

describe('wildfeedback attribution and tri-state', () => {
  it('attributes the follow-up to the assistant turn right before it', () => {
    const conv = conversation('a', [
      ['user', 'hi'],
      ['assistant', 'Hello! How can I help?'],
      ['user', 'what is 2+2'],
      ['assistant', '5'],
      ['user', "that's wrong"],
    ]);
    const results = [...assistantTurnContexts(conv)].map((ctx) => [ctx.assistantTurn.messageId, labelOf(detector.detect(ctx))]);
    assert.deepEqual(results, [
      ['a:1', null],
      ['a:3', 'dsat'],
    ]);
  });
  it('says nothing when the conversation ends (abandonment is another detector)', () => {
    const [ctx] = [...assistantTurnContexts(conversation('e', [['user', 'hi'], ['assistant', 'Hello!']]))];
    assert.equal(detector.detect(ctx), null);
  });
  it('returns ambiguous for an evenly mixed message without "but"', () => {
    const r = react('great... what are you talking about');
    assert.ok(isAmbiguous(r), JSON.stringify(r));
  });
  it('SAT phrases rank below the neutral base and DSAT phrases above it after fusion', () => {
    const dets = createDetectors();
    const score = (u: string) =>
      detectConversation(conversation('s', [['user', 'q'], ['assistant', recall.assistant], ['user', u]]), dets)[0].verdict.dsatScore;
    const neutral = score('what year was the Louvre built?');
    assert.ok(score('perfect, thanks!') < neutral);
    assert.ok(score("that's wrong") > neutral);
    assert.ok(score('you ignored my question, that is wrong') >= score("that's wrong"));
  });
});
