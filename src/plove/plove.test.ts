// End to end through the functions behind `plove train|eval`: generator data with Love reactions, a held-out
// split, the hand-written ONNX graph loaded by onnxruntime-node in a fresh process, and a labelled file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { writeCorpus } from '../generator.js';
import { featurize } from './features.js';
import { hackingRatesByPolicy, detectHackingJumps } from './hacking.js';
import { readNativeConversations, ploveEvalFile, ploveTrainFile } from './files.js';
import { HashedLoveScorer } from './scorer.js';
import { registerPloveCommands } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'plove-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('P[Love] on generator data', () => {
  const corpus = join(dir, 'gen.jsonl');
  const model = join(dir, 'plove.onnx');

  it('plove train / plove eval (commander) on the held-out split: beats chance, calibrated', async (t) => {
    await writeCorpus(corpus, { seed: 11, conversations: 1500, format: 'native' });
    const run = async (...args: string[]): Promise<string> => {
      let out = '';
      const program = new Command('feedback-miner').exitOverride();
      registerPloveCommands(program, { write: (s) => void (out += s) });
      await program.parseAsync(args, { from: 'user' });
      return out;
    };
    const trained = JSON.parse(await run('plove', 'train', corpus, '--out', model, '--holdout', '0.3', '--dim-bits', '16', '--json'));
    assert.equal(trained.format, 'native');
    assert.ok(trained.stats.positives > 50, `positives ${trained.stats.positives}`);
    assert.ok(trained.propensity.coefficients.length > 0);
    const report = JSON.parse(await run('plove', 'eval', corpus, '--model', model, '--holdout', '0.3', '--json'));
    t.diagnostic(`held-out n=${report.n} positives=${report.positives} auroc=${report.auroc.toFixed(3)} ece=${report.ece.toFixed(4)}`);
    assert.ok(report.n > 500);
    assert.ok(report.auroc > 0.62, `auroc ${report.auroc}`);
    assert.ok(report.ece < 0.05, `ece ${report.ece}`);
    assert.equal(report.calibration.reduce((s: number, b: { n: number }) => s + b.n, 0), report.n);
    // The two splits partition the shown responses: train saw exactly the other side.
    const onTrain = await ploveEvalFile(corpus, model, { split: { fraction: 0.3, part: 'train' } });
    assert.equal(onTrain.n, trained.stats.examples);
    const text = await run('plove', 'eval', corpus, '--model', model, '--holdout', '0.3');
    assert.match(text, /^n=\d+ positives=\d+ auroc=0\.\d{4} ece=0\.\d{4}\nbin/);
  });

  it('the model file loads in onnxruntime-node from a fresh process and gives the same scores', async () => {
    const items = [
      { context: 'How do I bake bread?', response: 'Mix flour, water, salt and yeast; knead; rest; bake at 230 C.' },
      { context: 'Fix my bike chain', response: 'What a wonderful question! 😊 Bye! 👋' },
    ];
    const scorer = await HashedLoveScorer.load(model);
    const inProcess = await scorer.score(items);
    const feats = items.map((it) => featurize(it.context, it.response, scorer.features));
    await scorer.release();
    // Plain onnxruntime-node, none of the project's code: the graph must stand on its own.
    const child = `
      import ort from 'onnxruntime-node';
      const feats = JSON.parse(process.argv[2]);
      const width = Math.max(...feats.map((f) => f.indices.length));
      const idx = new BigInt64Array(feats.length * width), val = new Float32Array(feats.length * width);
      feats.forEach((f, r) => f.indices.forEach((x, i) => { idx[r * width + i] = BigInt(x); val[r * width + i] = f.values[i]; }));
      const s = await ort.InferenceSession.create(process.argv[1]);
      const out = await s.run({ feature_index: new ort.Tensor('int64', idx, [feats.length, width]), feature_value: new ort.Tensor('float32', val, [feats.length, width]) });
      console.log(JSON.stringify(Array.from(out.p_love.data)));`;
    const payload = JSON.stringify(feats.map((f) => ({ indices: Array.from(f.indices), values: Array.from(f.values) })));
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', child, model, payload], { cwd: process.cwd(), encoding: 'utf8' });
    const fresh = JSON.parse(stdout) as number[];
    assert.equal(fresh.length, 2);
    fresh.forEach((p, i) => assert.ok(Math.abs(p - inProcess[i]) < 1e-6, `${p} vs ${inProcess[i]}`));
    assert.ok(fresh.every((p) => p > 0 && p < 1));
  });

  it('hacking monitors flag the reward-hacking policy version', async () => {
    const conversations = await readNativeConversations(corpus);
    const rows = conversations.flatMap((c) => c.turns.filter((t) => t.role === 'assistant').map((t) => ({ policyVersion: t.policyVersion, response: t.content, ts: t.ts })));
    const rates = hackingRatesByPolicy(rows);
    const jumps = detectHackingJumps(rates);
    const newest = rates[rates.length - 1].policyVersion;
    assert.ok(jumps.some((j) => j.to === newest && j.metric === 'farewellRate'), JSON.stringify({ rates, jumps }));
    assert.ok(jumps.every((j) => j.to === newest), JSON.stringify(jumps));
  });
});

describe('P[Love] on a labelled file', () => {
  it('sat is positive; trains and evaluates; bad lines name file, line and field', async () => {
    const file = join(dir, 'labelled.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const good = i % 2 === 0;
      lines.push(JSON.stringify({
        id: `c${i}`,
        messages: [
          { role: 'user', content: `Question ${i % 7}: how do I set up the router?` },
          { role: 'assistant', content: good ? 'Open the admin page, set the WPA2 password, then reboot.' : 'I cannot help with that.', label: i % 10 === 0 ? 'neutral' : good ? 'sat' : 'dsat' },
        ],
      }));
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const model = join(dir, 'labelled.onnx');
    const trained = await ploveTrainFile(file, model, { features: { dim: 1 << 12, version: 'hash-ngram-1' } });
    assert.equal(trained.format, 'labelled');
    assert.equal(trained.stats.positives, 120); // even i, minus every tenth (neutral)
    const report = await ploveEvalFile(file, model);
    assert.equal(report.n, 300);
    assert.ok(report.auroc > 0.8);

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${lines[0]}\n{"messages":[{"role":"assistant","content":"x","label":"great"}]}\n`);
    // The bad record is skipped and counted; the good one still trains.
    const partial = await ploveTrainFile(bad, join(dir, 'partial.onnx'), { features: { dim: 1 << 12, version: 'hash-ngram-1' } });
    assert.equal(partial.rejected, 1);
    assert.equal(partial.stats.examples > 0, true);
  });
});
