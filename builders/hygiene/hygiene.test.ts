import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ibanValid, luhnValid, placeholder, redactPii, type RedactionCounts } from './pii.js';
import { Deduplicator, estimatedJaccard, minhash, normaliseText, shingles } from './dedup.js';
import { Decontaminator } from './decontam.js';
import { splitOf } from './split.js';
import { PLANTED, PLANTED_VALUES } from './pii-fixtures.js';

test('every planted kind is replaced by its typed placeholder', () => {
  for (const [kind, value] of PLANTED) {
    const counts: RedactionCounts = {};
    const out = redactPii(`before ${value} after`, counts);
    assert.equal(out, `before ${placeholder(kind)} after`, `${kind}: ${value}`);
    assert.equal(counts[kind], 1, kind);
  }
  for (const [kind, label, value, after] of PLANTED_VALUES) {
    const out = redactPii(`x ${label}${value}${after} rest`);
    assert.ok(!out.includes(value), `${kind}: ${out}`);
    assert.ok(out.includes(placeholder(kind)), `${kind}: ${out}`);
  }
});

test('ordinary numbers, dates, versions and code survive', () => {
  const text =
    'On 2024-01-15 at 12:30:45 we shipped v1.2.3 (node 20.11.1); pi is 3.14159, order 123456, ' +
    'use std::vector<int>, 10 000 users, 1,000,000 rows, card-like 4111 1111 1111 1112, ' +
    'call ext. 4412, port 8080, sha 9f86d081 and score 0.5.';
  const counts: RedactionCounts = {};
  assert.equal(redactPii(text, counts), text);
  assert.deepEqual(counts, {});
  // A wrong IBAN check is not an IBAN (its digit run may still pass Luhn: 1 in 10 numbers do, and then it goes).
  const ibanCounts: RedactionCounts = {};
  redactPii('IBAN-like DE89 3704 0044 0532 0130 01', ibanCounts);
  assert.equal(ibanCounts.iban, undefined);
});

test('Luhn and mod-97 checks', () => {
  assert.ok(luhnValid('4111111111111111'));
  assert.ok(!luhnValid('4111111111111112'));
  assert.ok(ibanValid('GB82 WEST 1234 5698 7654 32'));
  assert.ok(!ibanValid('GB82 WEST 1234 5698 7654 33'));
});

test('dedup: exact, near and distinct texts', () => {
  const d = new Deduplicator(0.8, 3);
  const base = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  assert.equal(d.seen(base), null);
  assert.equal(d.seen(`  ${base.toUpperCase()} `), 'exact'); // case and whitespace do not make it new
  assert.equal(d.seen(base.replace('word30', 'changed')), 'near');
  assert.equal(d.seen(Array.from({ length: 60 }, (_, i) => `other${i}`).join(' ')), null);
  // half the words changed is not a near duplicate at threshold 0.8
  assert.equal(d.seen(Array.from({ length: 60 }, (_, i) => (i % 2 ? `word${i}` : `new${i}`)).join(' ')), null);
});

test('one-permutation MinHash estimates the Jaccard similarity of word shingles, for long and short texts', () => {
  let seed = 11;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const errors: number[] = [];
  for (let i = 0; i < 300; i++) {
    const length = i % 3 === 0 ? 4 + Math.floor(rand() * 8) : 40 + Math.floor(rand() * 200); // a third are short
    const a = Array.from({ length }, () => `w${Math.floor(rand() * 5000)}`);
    const p = rand() * 0.5;
    const b = a.map((w) => (rand() < p ? `x${Math.floor(rand() * 1e6)}` : w));
    const [sa, sb] = [shingles(a.join(' '), 3), shingles(b.join(' '), 3)];
    const inter = [...sa].filter((x) => sb.has(x)).length;
    const truth = inter / (sa.size + sb.size - inter);
    const estimate = estimatedJaccard(minhash(normaliseText(a.join(' ')), 3), minhash(normaliseText(b.join(' ')), 3));
    errors.push(Math.abs(estimate - truth));
  }
  const mean = errors.reduce((x, y) => x + y, 0) / errors.length;
  assert.ok(mean < 0.05, `mean abs error ${mean}`);
  assert.ok(Math.max(...errors) < 0.3, `max abs error ${Math.max(...errors)}`);
  // identical shingle sets give identical signatures however short; disjoint one-word texts share nothing
  assert.deepEqual(minhash('just two', 3), minhash('just two', 3));
  assert.equal(estimatedJaccard(minhash('alpha', 3), minhash('beta', 3)), 0);
});

test('decontamination by n-gram overlap, short benchmark prompts matched whole', () => {
  const dc = new Decontaminator(
    ['Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.', 'What is 2+2?'],
    8,
  );
  assert.ok(dc.contaminated('hey: natalia SOLD clips to 48 of her friends in april and then... how many?'));
  assert.ok(dc.contaminated('quick one. what is 2 + 2 ?'));
  assert.ok(!dc.contaminated('Natalia sold clips to her neighbours in June.'));
  assert.ok(!dc.contaminated('what is 2+22'));
});

test('split by conversation hash is deterministic and near the requested share', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `conv-${i}`);
  const test1 = ids.filter((id) => splitOf(id, 10) === 'test');
  assert.deepEqual(ids.filter((id) => splitOf(id, 10) === 'test'), test1);
  assert.ok(test1.length > 140 && test1.length < 260, `test share ${test1.length}/2000`);
  assert.equal(ids.filter((id) => splitOf(id, 0) === 'test').length, 0);
  assert.equal(ids.filter((id) => splitOf(id, 100) === 'test').length, 2000);
});
