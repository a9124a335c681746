import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultDetectorConfig, resolveDetectorConfig } from '../detectors/config.js';
import type { Category, NamedSignal } from '../detectors/types.js';
import { auroc, formatEvalReport, readLabelled, runEval } from './eval.js';
import { fuse } from './fusion.js';

const small = fileURLToPath(new URL('../tests/fixtures/detectors/labelled-small.jsonl', import.meta.url));

describe('auroc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 for all ties', () => {
    assert.equal(auroc([0.9, 0.8, 0.1, 0.2], [true, true, false, false]), 1);
    assert.equal(auroc([0.1, 0.2, 0.9, 0.8], [true, true, false, false]), 0);
    assert.equal(auroc([0.5, 0.5, 0.5, 0.5], [true, false, true, false]), 0.5);
  });
  it('counts a tie between a positive and a negative as half', () => {
    // pairs (pos, neg): (0.9,0.5)=1 (0.9,0.1)=1 (0.5,0.5)=0.5 (0.5,0.1)=1 -> 3.5/4
    assert.equal(auroc([0.9, 0.5, 0.5, 0.1], [true, true, false, false]), 0.875);
  });
  it('is undefined (NaN) with one class only', () => {
    assert.ok(Number.isNaN(auroc([0.1, 0.2], [false, false])));
  });
});

describe('runEval', () => {
  it('scores every labelled assistant turn and derives P/R/F1 from the confusion matrix', async () => {
    const r = await runEval(small);
    assert.equal(r.conversations, 3);
    assert.equal(r.labelled, 6);
    // gold: dsat s1:1, s3:1 (a topic change the rules do not see); sat s1:3, s2:4; neutral s2:2, s3:3.
    assert.equal(r.confusion.dsat.dsat, 1);
    assert.equal(r.confusion.dsat.neutral, 1);
    assert.equal(r.confusion.sat.sat, 2);
    // s3:3 is gold neutral but the user says it ignored the question: a counted false positive.
    assert.equal(r.confusion.neutral.dsat, 1);
    assert.equal(r.dsat.precision, 0.5);
    assert.equal(r.dsat.recall, 0.5);
    assert.equal(r.dsat.f1, 0.5);
    assert.equal(r.sat.precision, 1);
    assert.equal(r.sat.recall, 1);
    assert.ok(r.auroc_dsat > 0.5 && r.auroc_dsat <= 1);
    assert.deepEqual(Object.keys(r.bySource), ['tiny/a', 'tiny/b']);
    assert.equal(r.bySource['tiny/a'].labelled, 4);
    assert.equal(r.categories.factual_error?.dsat, 1);
    assert.equal(r.categories.ignored?.neutral, 1);
  });
  it('has the JSON shape the CLI promises', async () => {
    const r = JSON.parse(JSON.stringify(await runEval(small)));
    for (const key of ['labelled', 'dsat', 'sat', 'auroc_dsat']) assert.ok(key in r, key);
    for (const key of ['precision', 'recall', 'f1']) {
      assert.equal(typeof r.dsat[key], 'number');
      assert.equal(typeof r.sat[key], 'number');
    }
  });
  it('uses the given config (a DSAT threshold above every score predicts no DSAT)', async () => {
    const config = resolveDetectorConfig({ fusion: { dsatThreshold: 1 } });
    const r = await runEval(small, { config });
    assert.equal(r.dsat.predicted, 0);
    assert.equal(r.dsat.f1, 0);
  });
  it('formats a human table with the headline numbers', async () => {
    const r = await runEval(small);
    const text = formatEvalReport(r);
    assert.match(text, /6 labelled assistant turns/);
    assert.match(text, new RegExp(`AUROC \\(dsat score\\): ${r.auroc_dsat.toFixed(3)}`));
    assert.match(text, /tiny\/b/);
  });
  it('skips bad records, reporting each with file, line and field, and scores the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-'));
    const file = join(dir, 'bad.jsonl');
    const good = { id: 'ok', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', label: 'dsat' }, { role: 'user', content: "That's wrong." }] };
    writeFileSync(
      file,
      [
        JSON.stringify(good),
        JSON.stringify({ id: 'x', messages: [{ role: 'robot', content: 'hi' }] }),
        JSON.stringify({ id: 'y', messages: [{ role: 'assistant', content: 'a', label: 'great' }] }),
        JSON.stringify({ id: 'z', messages: [{ role: 'user', content: 'a', label: 'sat' }] }),
        'not json',
      ].join('\n') + '\n',
    );
    const r = await runEval(file);
    assert.equal(r.labelled, 1);
    assert.equal(r.rejected, 4);
    assert.deepEqual(
      r.rejectSamples.map((x) => [x.line, x.field]),
      [[2, 'messages[0].role'], [3, 'messages[0].label'], [4, 'messages[0].label'], [5, '(json)']],
    );
    assert.match(r.rejectSamples[2].reason, /labels belong on assistant/);
    assert.match(formatEvalReport(r), /4 record\(s\) rejected/);
    await assert.rejects(runEval(join(dir, 'missing.jsonl')), /no such file/);
  });
  it('builds message ids as `${id}:${index}`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-'));
    const file = join(dir, 'ids.jsonl');
    writeFileSync(file, '{"id":"c9","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a","label":"sat"}]}\n');
    const all = [];
    for await (const l of readLabelled(file)) all.push(l);
    assert.deepEqual(all[0].conversation.turns.map((t) => t.messageId), ['c9:0', 'c9:1']);
    assert.equal(all[0].gold.get('c9:1'), 'sat');
  });
});

describe('fuse', () => {
  const sig = (detector: string, kind: NamedSignal['kind'], label: 'sat' | 'dsat', score: number, category: Category | null = null): NamedSignal => ({
    detector,
    version: '1',
    kind,
    result: { label, category, score, confidence: 0.8, evidence: detector },
  });

  it('gives a neutral verdict with the base score when nobody said anything', () => {
    const v = fuse([{ detector: 'wildfeedback', version: '1', kind: 'rule', result: null }]);
    assert.equal(v.label, 'neutral');
    assert.equal(v.dsatScore, defaultDetectorConfig.fusion.baseDsatScore);
    assert.deepEqual(v.categories, []);
  });
  it('explicit events outrank the judge, which outranks rules', () => {
    const v1 = fuse([sig('explicit', 'explicit', 'sat', 0.95), sig('llm_judge', 'judge', 'dsat', 0.9), sig('wildfeedback', 'rule', 'dsat', 0.9)]);
    assert.equal(v1.label, 'sat');
    assert.deepEqual(v1.agreed, ['explicit']);
    const v2 = fuse([sig('llm_judge', 'judge', 'sat', 0.9), sig('wildfeedback', 'rule', 'dsat', 0.9)]);
    assert.equal(v2.label, 'sat');
  });
  it('agreeing detectors raise the score and are all listed, with their categories', () => {
    const one = fuse([sig('wildfeedback', 'rule', 'dsat', 0.8, 'factual_error')]);
    const two = fuse([sig('wildfeedback', 'rule', 'dsat', 0.8, 'factual_error'), sig('rephrase', 'rule', 'dsat', 0.6, 'revision')]);
    assert.equal(two.label, 'dsat');
    assert.ok(two.dsatScore > one.dsatScore);
    assert.deepEqual(two.agreed, ['wildfeedback', 'rephrase']);
    assert.deepEqual(two.categories, ['factual_error', 'revision']);
  });
  it('keeps the score in [0,1] and SAT evidence below the neutral base', () => {
    const many = Array.from({ length: 10 }, (_, i) => sig(`d${i}`, 'rule', 'dsat', 1));
    const v = fuse(many);
    assert.ok(v.dsatScore <= 1 && v.dsatScore > 0.9);
    const s = fuse([sig('wildfeedback', 'rule', 'sat', 0.8)]);
    assert.equal(s.label, 'sat');
    assert.ok(s.dsatScore < defaultDetectorConfig.fusion.baseDsatScore);
  });
  it('weak-only detectors (abandonment) raise the score but never decide the label', () => {
    const v = fuse([sig('abandonment', 'rule', 'dsat', 1)]);
    assert.equal(v.label, 'neutral');
    assert.ok(v.dsatScore > defaultDetectorConfig.fusion.baseDsatScore);
  });
  it('an ambiguous answer raises the score without a label', () => {
    const v = fuse([{ detector: 'wildfeedback', version: '1', kind: 'rule', result: { ambiguous: true, evidence: 'mixed' } }]);
    assert.equal(v.label, 'neutral');
    assert.ok(v.dsatScore > defaultDetectorConfig.fusion.baseDsatScore);
  });
  it('reads kind weights and thresholds from the config', () => {
    const weak = resolveDetectorConfig({ fusion: { kindWeights: { rule: 0.2 } } });
    assert.equal(fuse([sig('wildfeedback', 'rule', 'dsat', 0.9)], weak).label, 'neutral');
    assert.equal(fuse([sig('wildfeedback', 'rule', 'dsat', 0.9)]).label, 'dsat');
  });
});
