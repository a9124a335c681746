import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Conversation, StoredTurn } from '../src/model.js';
import { loadLoveScorer } from '../src/plove/scorer.js';
import { saveLoveModel, trainLoveModel } from '../src/plove/train.js';
import { createPloveDetector, ploveSignal } from './plove.js';
import { assistantTurnContexts } from './types.js';

const RM_DIR = fileURLToPath(new URL('../tests/fixtures/models/tiny-llama-rm', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'plove-det-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('plove detector', () => {
  it('signals sat above the threshold, nothing below (a missing Love says little)', () => {
    assert.equal(ploveSignal(0.6)?.label, 'sat');
    assert.equal(ploveSignal(0.1), null);
    assert.equal(ploveSignal(0.1, { dsatThreshold: 0.2 })?.label, 'dsat');
  });

  it('scores assistant turns in batch with a trained model file', async () => {
    const examples = Array.from({ length: 200 }, (_, i) => ({
      context: 'Can you help me?',
      response: i % 2 ? 'Here are the exact steps, tested and working.' : 'No idea.',
      label: (i % 2) as 0 | 1,
    }));
    const model = await trainLoveModel(examples, { features: { dim: 1 << 10, version: 't' } });
    const file = join(dir, 'm.onnx');
    await saveLoveModel(model, file);
    const base = { conversationId: 'c', ts: null, policyVersion: null, userHash: null, metadata: {} };
    const turns: StoredTurn[] = [
      { ...base, turnIndex: 0, messageId: 'u', role: 'user', content: 'Can you help me?' },
      { ...base, turnIndex: 1, messageId: 'good', role: 'assistant', content: 'Here are the exact steps, tested and working.' },
      { ...base, turnIndex: 2, messageId: 'u2', role: 'user', content: 'Again?' },
      { ...base, turnIndex: 3, messageId: 'bad', role: 'assistant', content: 'No idea.' },
    ];
    const conv: Conversation = { conversationId: 'c', turns, feedback: new Map() };
    const det = await createPloveDetector({ model: file, satThreshold: 0.5 });
    const signals = await det.detectBatch([...assistantTurnContexts(conv)]);
    await det.release();
    assert.ok(det.scores.get('good')! > 0.8 && det.scores.get('bad')! < 0.2, JSON.stringify([...det.scores]));
    assert.equal((signals.get('good')![0].result as { label: string }).label, 'sat');
    assert.equal(signals.get('bad')![0].result, null);
  });
});

describe('external sequence-classification reward model', () => {
  it('plugs into the same scorer and matches PyTorch within 1e-4 (batched with padding)', async () => {
    const ref = JSON.parse(readFileSync(join(RM_DIR, 'reference.json'), 'utf8')) as {
      items: { context: { role: string; content: string }[]; response: string; p: number }[];
    };
    const scorer = await loadLoveScorer(RM_DIR);
    assert.equal(scorer.kind, 'sequence-classifier');
    const p = await scorer.score(ref.items);
    await scorer.release();
    ref.items.forEach((it, i) => assert.ok(Math.abs(p[i] - it.p) < 1e-4, `${p[i]} vs ${it.p}`));
  });
});
