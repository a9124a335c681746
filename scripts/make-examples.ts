// Regenerates the bundled example logs in examples/logs/ from fixed seeds (run: node --import tsx scripts/make-examples.ts).
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeCorpus, type GeneratorOptions } from '../src/generator.js';

const dir = join(import.meta.dirname, '..', 'examples', 'logs');
const startTime = '2026-11-20T00:00:00.000Z';

const files: [string, GeneratorOptions][] = [
  // The main sample: enough conversations for every category and event kind, with some damaged lines.
  ['native-2026-11-20.jsonl', { seed: 20261120, conversations: 320, malformedRate: 0.01, startTime }],
  ['openai-2026-11-21.jsonl', { seed: 20261121, conversations: 40, format: 'openai', startTime: '2026-11-21T00:00:00.000Z' }],
  ['sharegpt-2026-11-22.jsonl', { seed: 20261122, conversations: 40, format: 'sharegpt', startTime: '2026-11-22T00:00:00.000Z' }],
  ['wildchat-2026-11-23.jsonl.gz', { seed: 20261123, conversations: 40, format: 'wildchat', startTime: '2026-11-23T00:00:00.000Z' }],
];

await mkdir(dir, { recursive: true });
for (const [name, opts] of files) {
  const path = join(dir, name);
  const stats = await writeCorpus(path, opts);
  const { size } = await stat(path);
  console.log(JSON.stringify({ file: join('examples', 'logs', name), bytes: size, ...stats }));
}
