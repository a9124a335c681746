// Writes a small synthetic release for the trainer contract test and prints its directory on stdout.
// DRIFT chosen answers come from a throwaway local /v1/chat/completions server so drift_pairs is exercised too.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildRelease, writeRelease } from '../../builders/index.js';
import { syntheticJudged } from '../../builders/synthetic.js';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: make-release.ts <out-dir>');
  process.exit(2);
}
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const { messages } = JSON.parse(body) as { messages: { role: string; content: string }[] };
    const request = messages.find((m) => m.role === 'user')?.content ?? '';
    const content = `Improved answer covering ${request.replace(/^Please explain /, '').replace(/\?$/, '')} step by step.`;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] }));
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
try {
  const port = (server.address() as AddressInfo).port;
  const result = await buildRelease(
    syntheticJudged({ conversations: 120, seed: 7 }),
    { testPercent: 20, perUserCap: null },
    { chosenFrom: { endpoint: `http://127.0.0.1:${port}`, model: 'local-test', concurrency: 2 } },
  );
  const info = await writeRelease({ outDir, name: 'trainer-contract', result, inputWatermark: 'synthetic-seed-7' }).finally(() => result.dispose());
  process.stdout.write(info.dir + '\n');
} finally {
  server.close();
}
