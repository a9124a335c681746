import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conversation } from '../tests/fixtures/detectors/conversation.js';
import { createAbandonmentDetector } from './abandonment.js';
import { defaultDetectorConfig, resolveDetectorConfig } from './config.js';
import { createExplicitDetector } from './explicit.js';
import { DETECTOR_NAMES, DETECTOR_REGISTRY, createDetectors, detectConversation, validateRegistry } from './registry.js';
import { createRephraseDetector, measureRephrase } from './rephrase.js';
import { assistantTurnContexts, isAmbiguous, type DetectorResult } from './types.js';

const ctxs = (c: ReturnType<typeof conversation>) => [...assistantTurnContexts(c)];
const labelOf = (r: DetectorResult) => (r === null || isAmbiguous(r) ? null : r.label);

describe('rephrase detector', () => {
  const detector = createRephraseDetector();
  const react = (request: string, followUp: string) =>
    detector.detect(ctxs(conversation('r', [['user', request], ['assistant', 'Here you go.'], ['user', followUp]]))[0]);

  it('flags a near-verbatim repeat of the request as DSAT revision', () => {
    const r = react('How do I reverse a list in Python?', 'how do I reverse a list in python??');
    assert.equal(labelOf(r), 'dsat');
    assert.equal(r && !isAmbiguous(r) ? r.category : null, 'revision');
  });
  it('flags a narrowed restatement (same request plus a constraint)', () => {
    const r = react('Find me a cheap hotel in the city centre', 'I need a cheap hotel in the city centre with free parking');
    assert.equal(labelOf(r), 'dsat');
  });
  it('ignores a new request on another subject', () => {
    assert.equal(react('How do I reverse a list in Python?', 'Thanks. And how do I sort a dictionary by value?'), null);
  });
  it('ignores short requests, which repeat by chance', () => {
    assert.equal(react('yes please', 'yes please'), null);
  });
  it('measures stems, so inflections count as the same word', () => {
    const m = measureRephrase('booking tickets for the concerts', 'book a ticket for the concert');
    assert.equal(m.jaccard, 1);
  });
});

describe('explicit detector', () => {
  const detector = createExplicitDetector();
  const withEvents = (events: Array<{ kind: string; value?: number | null }>) =>
    detector.detect(ctxs(conversation('x', [['user', 'q'], ['assistant', 'a']], { 1: events }))[0]);

  it('maps each known kind to its configured label and weight', () => {
    for (const [kind, mapping] of Object.entries(defaultDetectorConfig.explicit)) {
      const r = withEvents([{ kind }]);
      assert.ok(r && !isAmbiguous(r), kind);
      assert.equal(r.label, mapping.label, kind);
      assert.equal(r.score, mapping.weight, kind);
    }
  });
  it('regenerate is a weaker DSAT than thumbs down, copy a weaker SAT than love', () => {
    const score = (kind: string) => (withEvents([{ kind }]) as { score: number }).score;
    assert.ok(score('regenerate') < score('thumbs_down'));
    assert.ok(score('copy') < score('love'));
  });
  it('the strongest event wins; equal opposite events are ambiguous; unknown kinds are ignored', () => {
    assert.equal(labelOf(withEvents([{ kind: 'copy' }, { kind: 'thumbs_down' }])), 'dsat');
    assert.ok(isAmbiguous(withEvents([{ kind: 'thumbs_up' }, { kind: 'thumbs_down' }])));
    assert.equal(withEvents([{ kind: 'share' }]), null);
    assert.equal(withEvents([]), null);
  });
  it('a negative value reverses a thumbs event', () => {
    assert.equal(labelOf(withEvents([{ kind: 'thumbs_up', value: -1 }])), 'dsat');
  });
  it('weights come from the config', () => {
    const config = resolveDetectorConfig({ explicit: { copy: { label: 'sat', weight: 0.9 } } });
    const r = createExplicitDetector(config).detect(ctxs(conversation('x', [['user', 'q'], ['assistant', 'a']], { 1: [{ kind: 'copy' }] }))[0]);
    assert.equal((r as { score: number }).score, 0.9);
  });
});

describe('abandonment detector', () => {
  const detector = createAbandonmentDetector();
  it('gives a weak DSAT when the conversation ends after the assistant turn', () => {
    const [ctx] = ctxs(conversation('b', [['user', 'how do I fix this error?'], ['assistant', 'Try restarting.']]));
    const r = detector.detect(ctx);
    assert.equal(labelOf(r), 'dsat');
    assert.ok((r as { score: number }).score < 0.5);
  });
  it('says nothing when the user answered or the assistant closed the conversation', () => {
    const c = conversation('b', [['user', 'q'], ['assistant', 'a'], ['user', 'thanks'], ['assistant', "You're welcome, goodbye!"]]);
    assert.deepEqual(ctxs(c).map((x) => detector.detect(x)), [null, null]);
  });
  it('never makes a DSAT verdict on its own', () => {
    const [t] = detectConversation(conversation('b', [['user', 'q'], ['assistant', 'Try restarting.']]), createDetectors());
    assert.equal(t.verdict.label, 'neutral');
    assert.ok(t.verdict.dsatScore > defaultDetectorConfig.fusion.baseDsatScore);
  });
});

describe('registry', () => {
  it('lists the closed set of names, including the model detectors', () => {
    assert.deepEqual([...DETECTOR_NAMES], ['explicit', 'wildfeedback', 'rephrase', 'abandonment', 'llm_judge', 'flr', 'plove']);
  });
  it('creates the sync detectors by default and by name', () => {
    assert.deepEqual(createDetectors().map((d) => d.name), ['explicit', 'wildfeedback', 'rephrase', 'abandonment']);
    assert.deepEqual(createDetectors(undefined, ['rephrase']).map((d) => d.name), ['rephrase']);
  });
  it('rejects unknown, async and reserved names with a clear error', () => {
    assert.throws(() => createDetectors(undefined, ['sentiment']), /unknown detector "sentiment"/);
    assert.throws(() => createDetectors(undefined, ['llm_judge']), /not a sync detector/);
    assert.throws(() => createDetectors(undefined, ['flr']), /not a sync detector \(async\).*createFlrDetector/);
  });
  it('validation catches a registry that does not match the name list', () => {
    const { plove: _plove, ...missing } = DETECTOR_REGISTRY;
    assert.throws(() => validateRegistry(missing as never), /missing detector "plove"/);
    assert.throws(() => validateRegistry({ ...DETECTOR_REGISTRY, extra: DETECTOR_REGISTRY.rephrase } as never), /unknown detector "extra"/);
  });
  it('gives every assistant turn a verdict, neutral with a low score when nothing was said', () => {
    const c = conversation('n', [['user', 'q'], ['assistant', 'a'], ['user', 'what year was the Louvre built?'], ['assistant', 'b'], ['user', 'thanks!']]);
    const out = detectConversation(c, createDetectors());
    assert.equal(out.length, 2);
    assert.equal(out[0].verdict.label, 'neutral');
    assert.equal(out[0].verdict.dsatScore, defaultDetectorConfig.fusion.baseDsatScore);
    assert.equal(out[1].verdict.label, 'sat');
    assert.equal(out[0].signals.length, 4);
  });
  it('explicit events outrank the rules', () => {
    const c = conversation('e', [['user', 'q'], ['assistant', 'a'], ['user', 'thanks, great answer']], { 1: [{ kind: 'thumbs_down' }] });
    const [t] = detectConversation(c, createDetectors());
    assert.equal(t.verdict.label, 'dsat');
    assert.deepEqual(t.verdict.agreed, ['explicit']);
  });
});

describe('detector config', () => {
  it('merges a partial config over the defaults', () => {
    const c = resolveDetectorConfig({ fusion: { dsatThreshold: 0.6 } });
    assert.equal(c.fusion.dsatThreshold, 0.6);
    assert.equal(c.fusion.satThreshold, defaultDetectorConfig.fusion.satThreshold);
  });
  it('names the field of a bad value and the source', () => {
    assert.throws(() => resolveDetectorConfig({ fusion: { kindWeights: { rule: 2 } } }, 'my.json'), /my\.json: field fusion\.kindWeights\.rule/);
    assert.throws(() => resolveDetectorConfig({ explicit: { copy: { label: 'meh', weight: 0.1 } } }), /field explicit\.copy\.label/);
    assert.throws(() => resolveDetectorConfig({ fusoin: {} }), /Unrecognized key|unrecognized/i);
    assert.throws(() => resolveDetectorConfig([1]), /expected a JSON object/);
  });
});

describe('bench/detectors', () => {
  it('counts assistant turns over all rounds and reports a rate', async () => {
    const { benchDetectors } = await import('../bench/detectors.js');
    const convs = Array.from({ length: 20 }, (_, i) =>
      conversation(`b${i}`, [['user', 'q'], ['assistant', 'a'], ['user', "that's wrong"], ['assistant', 'b']]),
    );
    const r = await benchDetectors(convs, { rounds: 2 });
    assert.equal(r.assistantTurns, 80);
    assert.equal(r.dsatVerdicts, 40);
    assert.ok(r.assistantTurnsPerSecond > 0 && r.assistantTurnsPerCpuSecond > 0);
  });
});
