import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerFlrCommands } from './cli.js';
import { flrCandidateLine, scoreFile } from './file.js';
import { CausalLm } from './lm.js';
import { scoreResponse } from './score.js';

const MODEL_DIR = fileURLToPath(new URL('../../tests/fixtures/models/tiny-llama', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'flr-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sets = { correctness: { positive: ['That is right.', 'Correct, thanks.'], negative: ['That is wrong.', 'No.'] } };

describe('scoreFile', () => {
  it('yields one result per assistant turn with per-dimension rewards and per-follow-up log-probs', async () => {
    const file = join(dir, 'in.jsonl');
    const conv1 = { id: 'a', messages: [
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4', label: 'sat' },
      { role: 'user', content: 'And 3+3?' },
      { role: 'assistant', content: '7' },
    ] };
    const conv2 = { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!', label: 'neutral' }] };
    writeFileSync(file, `${JSON.stringify(conv1)}\n\n${JSON.stringify(conv2)}\n`);
    const out = [];
    for await (const r of scoreFile(MODEL_DIR, file, { followUps: sets })) out.push(r);
    assert.deepEqual(out.map((r) => [r.line, r.messageIndex, r.label]), [
      [1, 1, 'sat'],
      [1, 3, null],
      [3, 2, 'neutral'],
    ]);
    assert.equal(out[0].conversationId, 'a');
    // A record without an id gets a stable id derived from its content (the file connector's rule).
    assert.match(out[2].conversationId, /^conv-[0-9a-f]{16}$/);
    assert.equal(out[0].followUps.length, 4);
    assert.deepEqual(Object.keys(out[0].rewards), ['correctness']);
    // Same numbers as scoring the turn directly.
    const lm = await CausalLm.load(MODEL_DIR);
    const direct = await scoreResponse(lm, conv1.messages.slice(0, 3), '7', { followUps: sets });
    await lm.release();
    assert.equal(out[1].reward, direct.reward);
    assert.deepEqual(out[1].followUps, direct.followUps);
  });

  it('flr score --model DIR <file> --json prints one object per assistant turn', async () => {
    const file = join(dir, 'cli.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 'x', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] })}\n`);
    const setsFile = join(dir, 'sets.json');
    writeFileSync(setsFile, JSON.stringify(sets));
    let out = '';
    const program = new Command('feedback-miner').exitOverride();
    registerFlrCommands(program, { write: (s) => void (out += s) });
    await program.parseAsync(['flr', 'score', file, '--model', MODEL_DIR, '--follow-ups', setsFile, '--json'], { from: 'user' });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].conversationId, 'x');
    assert.equal(typeof lines[0].reward, 'number');
    assert.equal(typeof lines[0].rewards.correctness, 'number');
    assert.deepEqual(lines[0].followUps.map((f: { text: string }) => f.text), ['That is right.', 'Correct, thanks.', 'That is wrong.', 'No.']);
    assert.ok(lines[0].followUps.every((f: { meanLogprob: number }) => f.meanLogprob < 0));
  });

  it('reports a bad record with file, line and field, and scores the rest', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"messages":[{"role":"robot","content":"x"}]}\n{"id":"ok","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n');
    const rejects: Array<{ file: string; line: number; field: string }> = [];
    const out = [];
    for await (const r of scoreFile(MODEL_DIR, file, { followUps: sets, onReject: (r) => rejects.push(r) })) out.push(r);
    assert.deepEqual(rejects.map((r) => [r.file, r.line, r.field]), [[file, 1, 'messages[0].role']]);
    assert.deepEqual(out.map((r) => r.conversationId), ['ok']);
  });

  it('flrCandidateLine writes what builders/ranked.ts loadCandidates reads', () => {
    const line = JSON.parse(flrCandidateLine({ conversationId: 'c', promptMessageId: 'u1', response: 'r', reward: 0.25 }));
    assert.deepEqual(line, { conversation_id: 'c', prompt_message_id: 'u1', response: 'r', score: 0.25, score_kind: 'flr', policy_version: null });
  });
});
