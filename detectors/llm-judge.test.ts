import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { conversation } from '../tests/fixtures/detectors/conversation.js';
import { createLlmJudge, parseJudgeContent, selectAmbiguous } from './llm-judge.js';
import { createDetectors, detectConversation } from './registry.js';
import { assistantTurnContexts, type AssistantTurnContext } from './types.js';

/** A small OpenAI-compatible chat-completions server whose behaviour each test scripts. */
type Handler = (body: { model: string; messages: Array<{ role: string; content: string }> }, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
let server: Server;
let baseUrl: string;
let handler: Handler;
let hits = 0;

function reply(res: ServerResponse, content: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(status === 200 ? JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }) : content);
}
/** Answers like a judge would: DSAT when the user's message says "wrong", else SAT. */
const rubricJudge: Handler = (body, _req, res) => {
  const user = body.messages[1].content;
  const followUp = user.slice(user.indexOf("User's next message:"));
  const verdict = /wrong/.test(followUp)
    ? { label: 'dsat', category: 'factual_error', confidence: 0.9, evidence: 'wrong' }
    : { label: 'sat', category: 'gratitude', confidence: 0.7, evidence: 'thanks' };
  reply(res, JSON.stringify(verdict));
};

before(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      hits++;
      void handler(JSON.parse(data), req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
after(() => new Promise<void>((r) => {
  server.close(() => r());
  server.closeAllConnections(); // the client keeps connections alive; do not wait for them
}));
beforeEach(() => {
  hits = 0;
  handler = rubricJudge;
});

function contexts(followUps: string[]): AssistantTurnContext[] {
  return followUps.map((u, i) => [...assistantTurnContexts(conversation(`c${i}`, [['user', 'q'], ['assistant', `answer ${i}`], ['user', u]]))][0]);
}

describe('llm judge', () => {
  it('sends the rubric and the turn, and parses the verdict into judge signals', async () => {
    let seen: { model: string; messages: Array<{ role: string; content: string }> } | null = null;
    let auth: string | undefined;
    handler = (body, req, res) => {
      seen = body;
      auth = req.headers.authorization;
      rubricJudge(body, req, res);
    };
    const judge = createLlmJudge({ baseUrl, model: 'm', apiKey: 'k', backoffMs: 0 });
    const out = await judge.judge(contexts(['ok thanks but this is wrong']));
    const signal = out.get('c0:1');
    assert.deepEqual(signal, {
      detector: 'llm_judge',
      version: '1',
      kind: 'judge',
      result: { label: 'dsat', category: 'factual_error', score: 0.9, confidence: 0.9, evidence: 'wrong' },
    });
    assert.equal(seen!.model, 'm');
    assert.match(seen!.messages[0].content, /WildFeedback/);
    assert.match(seen!.messages[1].content, /answer 0[\s\S]*ok thanks but this is wrong/);
    assert.equal(auth, 'Bearer k');
  });

  it('caches verdicts in memory and on disk', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'judge-cache-'));
    const ctxs = contexts(['thanks', 'wrong']);
    const first = createLlmJudge({ baseUrl, model: 'm', cacheDir });
    await first.judge(ctxs);
    await first.judge(ctxs);
    assert.equal(hits, 2);
    assert.equal(first.stats.cacheHits, 2);
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length, 2);
    const second = createLlmJudge({ baseUrl, model: 'm', cacheDir });
    const out = await second.judge(ctxs);
    assert.equal(hits, 2, 'a new judge reads the disk cache');
    assert.equal(out.size, 2);
    const otherModel = createLlmJudge({ baseUrl, model: 'other', cacheDir });
    await otherModel.judge(ctxs.slice(0, 1));
    assert.equal(hits, 3, 'the model is part of the cache key');
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    handler = (body, req, res) => void setTimeout(() => rubricJudge(body, req, res), 30);
    const judge = createLlmJudge({ baseUrl, model: 'm', concurrency: 3 });
    const out = await judge.judge(contexts(Array.from({ length: 10 }, (_, i) => `thanks ${i}`)));
    assert.equal(out.size, 10);
    assert.equal(judge.stats.maxInFlight, 3);
  });

  it('retries server errors and malformed output, then succeeds', async () => {
    let n = 0;
    handler = (body, req, res) => {
      n++;
      if (n === 1) return reply(res, 'overloaded', 503);
      if (n === 2) return reply(res, 'Sure! The user seems happy.');
      rubricJudge(body, req, res);
    };
    const judge = createLlmJudge({ baseUrl, model: 'm', retries: 2, backoffMs: 1 });
    const out = await judge.judge(contexts(['thanks']));
    assert.equal(out.size, 1);
    assert.equal(judge.stats.retries, 2);
  });

  it('does not retry a refused key, and rejects when every request failed', async () => {
    handler = (_b, _r, res) => reply(res, '{"error":"bad key"}', 401);
    const judge = createLlmJudge({ baseUrl, model: 'm', retries: 3, backoffMs: 1 });
    await assert.rejects(judge.judge(contexts(['thanks'])), (e: Error & { code?: string; retriable?: boolean }) => {
      assert.equal(e.code, 'ENDPOINT');
      assert.equal(e.retriable, false);
      assert.match(e.message, /HTTP 401/);
      return true;
    });
    assert.equal(hits, 1);
  });

  it('times out a slow endpoint, retrying each time', async () => {
    handler = (body, req, res) => void setTimeout(() => rubricJudge(body, req, res), 300);
    const judge = createLlmJudge({ baseUrl, model: 'm', timeoutMs: 50, retries: 1, backoffMs: 1 });
    await assert.rejects(judge.judge(contexts(['thanks'])), /no answer within 50 ms/);
    assert.equal(judge.stats.requests, 2);
  });

  it('drops the turns it could not judge but keeps the others', async () => {
    handler = (body, req, res) => {
      if (body.messages[1].content.includes('answer 1')) return reply(res, '{"label":"dsat","category":"gratitude","confidence":0.5,"evidence":""}');
      rubricJudge(body, req, res);
    };
    const judge = createLlmJudge({ baseUrl, model: 'm', retries: 0 });
    const out = await judge.judge(contexts(['thanks', 'thanks']));
    assert.deepEqual([...out.keys()], ['c0:1']);
    assert.equal(judge.stats.failures, 1);
  });

  it('parses strictly', () => {
    assert.deepEqual(parseJudgeContent('```json\n{"label":"neutral","category":null,"confidence":0.4,"evidence":""}\n```'), {
      label: 'neutral',
      category: null,
      confidence: 0.4,
      evidence: '',
    });
    assert.throws(() => parseJudgeContent('{"label":"dsat","category":"style","confidence":2,"evidence":""}'), /confidence/);
    assert.throws(() => parseJudgeContent('{"label":"sat","category":"style","confidence":0.5,"evidence":""}'), /does not belong/);
    assert.throws(() => parseJudgeContent('{"label":"sat","category":null,"confidence":0.5,"evidence":"","extra":1}'), /Unrecognized key|unrecognized/i);
    assert.throws(() => parseJudgeContent('label: sat'), /not JSON/);
  });

  it('validates its options', () => {
    assert.throws(() => createLlmJudge({ baseUrl: 'not a url', model: 'm' }), /option baseUrl/);
    assert.throws(() => createLlmJudge({ baseUrl, model: 'm', concurrency: 0 }), /option concurrency/);
  });

  it('runs as a separate pass over the ambiguous turns, and its signal outranks the rules in fusion', async () => {
    const detectors = createDetectors();
    const conv = conversation('amb', [['user', 'q'], ['assistant', 'a'], ['user', 'great... what are you talking about'], ['assistant', 'b'], ['user', 'thanks!']]);
    const first = detectConversation(conv, detectors);
    const ambiguous = selectAmbiguous(first);
    assert.deepEqual(ambiguous.map((c) => c.assistantTurn.messageId), ['amb:1']);
    handler = (_b, _r, res) => reply(res, JSON.stringify({ label: 'dsat', category: 'negative_feedback', confidence: 0.8, evidence: 'what are you talking about' }));
    const judged = await createLlmJudge({ baseUrl, model: 'm' }).judge(ambiguous);
    const extra = new Map([...judged].map(([id, s]) => [id, [s]]));
    const second = detectConversation(conv, detectors, undefined, extra);
    assert.equal(first[0].verdict.label, 'neutral');
    assert.equal(second[0].verdict.label, 'dsat');
    assert.deepEqual(second[0].verdict.agreed, ['llm_judge']);
    assert.equal(second[1].verdict.label, 'sat');
  });
});
