// Regression guard on the shared dev set (../shared/datasets/uss.jsonl, beside the repo in CI): the detectors keep
// their DSAT ranking quality and no label goes silent. Skipped when the file is not there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runEval } from '../src/eval.js';

const uss = join(resolve(import.meta.dirname, '..'), '..', 'shared', 'datasets', 'uss.jsonl');

test('eval on the USS dev set: AUROC of the DSAT score >= 0.75, both labels predicted', { skip: !existsSync(uss) && `${uss} not present` }, async () => {
  const r = await runEval(uss);
  assert.equal(r.labelled, 34358);
  assert.equal(r.rejected, 0);
  assert.ok(r.auroc_dsat >= 0.75, `AUROC ${r.auroc_dsat}`);
  // Floors well below today's figures (dsat F1 0.235, sat F1 0.42): they catch a detector going silent.
  assert.ok(r.dsat.f1 >= 0.2, `dsat F1 ${r.dsat.f1}`);
  assert.ok(r.sat.f1 >= 0.35, `sat F1 ${r.sat.f1}`);
});
