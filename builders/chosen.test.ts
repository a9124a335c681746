import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REVISE_INSTRUCTION, driftChosenMessages, fillDriftChosen } from './chosen.js';
import type { BuiltRecord, ChatMessage } from './types.js';

function driftRow(id: string, prompt: ChatMessage[], complaint: string | null): BuiltRecord {
  return {
    id,
    builder: 'drift',
    prompt,
    chosen: null,
    rejected: [{ role: 'assistant', content: `bad answer ${id}` }],
    completion: null,
    label: null,
    userPreference: complaint ? { role: 'user', content: complaint } : null,
    margin: null,
    meta: {
      source_method: 'drift',
      conversation_id: id,
      turn_index: 1,
      policy_version: null,
      signal: 'dsat:x',
      category: null,
      confidence: 1,
      user_hash: null,
      len_chosen: null,
      len_rejected: 10,
    },
  };
}

async function withServer(handler: (body: any, req: IncomingMessage, res: ServerResponse) => void, fn: (url: string) => Promise<void>) {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => handler(JSON.parse(raw), req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

test('DRIFT chosen request: history, rejected answer, complaint + instruction; cut from the left', () => {
  const row = driftRow(
    'r1',
    [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'old question '.repeat(20) },
      { role: 'assistant', content: 'old answer '.repeat(20) },
      { role: 'user', content: 'final request' },
    ],
    'that was wrong',
  );
  const full = driftChosenMessages(row);
  assert.deepEqual(full.map((m) => m.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user']);
  assert.equal(full[4].content, 'bad answer r1');
  assert.equal(full[5].content, `that was wrong\n\n${REVISE_INSTRUCTION}`);
  const cut = driftChosenMessages(row, 300);
  assert.deepEqual(cut.map((m) => m.content.slice(0, 5)), ['sys', 'final', 'bad a', 'that ']);
  const tiny = driftChosenMessages(driftRow('r2', [{ role: 'user', content: 'x'.repeat(500) }], 'no'), 300);
  assert.ok(tiny[0].content.length < 500 && tiny[0].content.length > 0, 'the request itself is cut from the left');
  // Without a complaint the model just answers the prompt (DRIFT "unguided").
  assert.deepEqual(driftChosenMessages(driftRow('r3', [{ role: 'user', content: 'q' }], null)), [{ role: 'user', content: 'q' }]);
});

test('fillDriftChosen against a local /v1/chat/completions server: retries 5xx, counts 4xx failures', async () => {
  const seen: any[] = [];
  let failedOnce = false;
  await withServer(
    (body, req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization, body });
      const last = body.messages[body.messages.length - 1].content as string;
      if (last.startsWith('flaky') && !failedOnce) {
        failedOnce = true;
        res.statusCode = 503;
        return res.end('busy');
      }
      if (last.startsWith('reject me')) {
        res.statusCode = 400;
        return res.end('{"error":"bad request"}');
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: `  better answer to ${body.messages[0].content}  ` } }] }));
    },
    async (url) => {
      const rows = [
        driftRow('a', [{ role: 'user', content: 'qa' }], 'flaky complaint'),
        driftRow('b', [{ role: 'user', content: 'qb' }], 'reject me'),
        driftRow('c', [{ role: 'user', content: 'qc' }], null),
      ];
      const { rows: out, report } = await fillDriftChosen(rows, { endpoint: `${url}/v1`, model: 'm', apiKey: 'k', concurrency: 2, retries: 2 });
      assert.deepEqual(report.requested, 3);
      assert.equal(report.filled, 2);
      assert.equal(report.failed, 1);
      assert.match(report.errors[0], /^b: chosen endpoint HTTP 400/);
      assert.deepEqual(out.map((r) => r.chosen?.[0].content ?? null), ['better answer to qa', null, 'better answer to qc']);
      assert.ok(rows.every((r) => r.chosen === null), 'input rows are not mutated');
    },
  );
  assert.ok(seen.every((s) => s.url === '/v1/chat/completions' && s.auth === 'Bearer k' && s.body.model === 'm'));
  assert.equal(seen.filter((s) => s.body.messages[0].content === 'qa').length, 2, 'one retry after the 503');
  assert.equal(seen.filter((s) => s.body.messages[0].content === 'qb').length, 1, '4xx is not retried');
  assert.equal(seen[0].body.temperature, 0.7);
  assert.equal(seen[0].body.top_p, 0.9);
});

test('fillDriftChosen reports an unreachable endpoint per row instead of throwing', async () => {
  const { report } = await fillDriftChosen([driftRow('a', [{ role: 'user', content: 'q' }], 'no')], {
    endpoint: 'http://127.0.0.1:9',
    model: 'm',
    retries: 0,
  });
  assert.equal(report.failed, 1);
  assert.match(report.errors[0], /unreachable/);
});
