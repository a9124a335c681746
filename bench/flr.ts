// FLR benchmark: naive full-sequence scoring of each follow-up vs one shared-prefix KV cache with batched
// follow-ups, measured in the same run on the same prepared sequences (all 120 default follow-ups).
// Usage: node --import tsx bench/flr.ts [--model DIR] [--responses N] [--batch-size B] [--context-words W]
// A model bigger than the test fixture: .venv-models/bin/python scripts/models/build_tiny_lm.py bench/work/flr-small-llama
//   --hidden 256 --layers 4 --heads 8 --kv-heads 4 --max-pos 1024
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_FOLLOW_UPS } from '../src/flr/followups.js';
import { CausalLm } from '../src/flr/lm.js';
import { flrMessages, prepareSequences, scoreNaive, scoreWithPrefixReuse } from '../src/flr/score.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: fileURLToPath(new URL('../tests/fixtures/models/tiny-llama', import.meta.url)) },
    responses: { type: 'string', default: '5' },
    'batch-size': { type: 'string', default: '4' },
    'context-words': { type: 'string', default: '120' },
  },
});
const nResponses = Number(values.responses);
const batchSize = Number(values['batch-size']);
const contextWords = Number(values['context-words']);

const WORDS = 'the user asked how to bake bread at home and the assistant listed flour water salt yeast then explained kneading resting shaping and baking times'.split(' ');
const followUps = Object.values(DEFAULT_FOLLOW_UPS).flatMap((s) => [...s.positive, ...s.negative]);

const lm = await CausalLm.load(values.model);
const maxLength = Math.min(lm.maxPositions, 2048);
let naiveMs = 0;
let reuseMs = 0;
let prepareMs = 0;
let maxDiff = 0;
let tokens = 0;
for (let r = 0; r < nResponses; r++) {
  const question = Array.from({ length: contextWords }, (_, i) => WORDS[(i * 7 + r) % WORDS.length]).join(' ');
  const messages = flrMessages([
    { role: 'user', content: question },
    { role: 'assistant', content: `Answer ${r}: ${WORDS.slice(r, r + 12).join(' ')}.` },
  ]);
  const t0 = performance.now();
  const { sequences } = prepareSequences(lm, messages, followUps, maxLength);
  prepareMs += performance.now() - t0;
  tokens += sequences[0].start;
  // Alternate the order so neither method always runs on a warmer cache.
  const runNaive = async () => {
    const t = performance.now();
    const s = await scoreNaive(lm, sequences);
    naiveMs += performance.now() - t;
    return s;
  };
  const runReuse = async () => {
    const t = performance.now();
    const s = await scoreWithPrefixReuse(lm, sequences, { batchSize });
    reuseMs += performance.now() - t;
    return s;
  };
  const [a, b] = r % 2 === 0 ? [await runNaive(), await runReuse()] : [await runReuse(), await runNaive()];
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
}
await lm.release();
const result = {
  model: values.model,
  responses: nResponses,
  followUpsPerResponse: followUps.length,
  meanContextTokens: tokens / nResponses,
  batchSize,
  naiveMsPerResponse: naiveMs / nResponses,
  prefixReuseMsPerResponse: reuseMs / nResponses,
  speedup: naiveMs / reuseMs,
  tokenizeMsPerResponse: prepareMs / nResponses,
  maxAbsDiffNaiveVsReuse: maxDiff,
};
console.log(JSON.stringify(result, null, 1));
