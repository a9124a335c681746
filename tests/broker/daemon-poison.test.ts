// Poison messages: 1,000 malformed messages interleaved with a valid stream all reach the dead-letter topic with
// their reason and origin in headers, every valid turn, event and verdict is stored exactly once, and the daemon
// keeps running (healthz 200, metrics count what happened).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startBroker, uniqueName, type Broker } from './harness.js';
import { createKafka, ensureTopics, parseKafkaOptions, produceRecords, type ProduceRecord } from '../../connectors/kafka.js';
import { linesToRecords } from '../../src/daemon/produce.js';
import { resolveDaemonConfig } from '../../src/daemon/config.js';
import { startDaemon } from '../../src/daemon/daemon.js';
import { checkStores, corpus, exactlyOnce, groupLag, readDeadLetters, waitFor } from './daemon-helpers.js';

let broker: Broker;
let dir: string;
before(async () => {
  broker = await startBroker({ numPartitions: 4 });
  dir = mkdtempSync(join(tmpdir(), 'fm-poison-'));
});
after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Six kinds of damage, each with the field the dead letter must name. */
function poison(i: number): { value: string; field: string } {
  switch (i % 6) {
    case 0:
      return { value: `{"type":"turn","conversation_id":"bad-${i}", "turn_index": 0,`, field: '(value)' }; // cut JSON
    case 1:
      return { value: JSON.stringify({ type: 'turn', conversation_id: `bad-${i}`, turn_index: 0, role: 'user', content: 'hi' }), field: 'message_id' };
    case 2:
      return { value: JSON.stringify({ type: 'turn', conversation_id: `bad-${i}`, turn_index: 0, message_id: `bad-m-${i}`, role: 'robot', content: 'x' }), field: 'role' };
    case 3:
      return { value: JSON.stringify({ type: 'turn', conversation_id: `bad-${i}`, turn_index: -1, message_id: `bad-m-${i}`, role: 'user', content: 'x' }), field: 'turn_index' };
    case 4:
      return { value: JSON.stringify({ type: 'feedback', event_id: `bad-e-${i}`, message_id: 'm-x' }), field: 'kind' };
    default:
      return { value: JSON.stringify({ hello: 'world', n: i }), field: '(record)' };
  }
}

test('1,000 malformed messages go to the dead-letter topic with reasons; all valid data stored once; the daemon lives', async (t) => {
  const kafka = parseKafkaOptions({
    brokers: broker.bootstrap,
    topics: { turns: uniqueName('turns'), feedback: uniqueName('feedback'), deadLetter: uniqueName('dlq') },
  });
  await ensureTopics(kafka, { numPartitions: 4 });
  const data = corpus(1500, 7);
  const valid: ProduceRecord[] = [];
  for await (const r of linesToRecords(data.lines, kafka.topics)) valid.push(r);
  const POISON = 1000;
  const records: ProduceRecord[] = [];
  const expectedField = new Map<string, string>();
  const every = Math.floor(valid.length / POISON);
  for (let i = 0, v = 0; i < POISON || v < valid.length; i++) {
    if (i < POISON) {
      const p = poison(i);
      const topic = i % 6 === 4 ? kafka.topics.feedback : kafka.topics.turns;
      records.push({ topic, key: `bad-${i}`, value: p.value });
      expectedField.set(`bad-${i}`, p.field);
    }
    records.push(...valid.slice(v, v + every));
    v += every;
    if (i >= POISON && v >= valid.length) break;
  }
  assert.equal(records.length, valid.length + POISON);

  const config = resolveDaemonConfig(
    { stateDir: join(dir, 'state'), lakeDir: join(dir, 'lake'), groupId: uniqueName('g'), metricsPort: 0, sessionTimeoutMs: 6000 },
    { FEEDBACK_MINER_KAFKA_BROKERS: broker.bootstrap, FEEDBACK_MINER_TOPIC_TURNS: kafka.topics.turns, FEEDBACK_MINER_TOPIC_FEEDBACK: kafka.topics.feedback, FEEDBACK_MINER_TOPIC_DEAD_LETTER: kafka.topics.deadLetter },
  );
  const daemon = await startDaemon(config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
  let stopped = false;
  t.after(() => (stopped ? undefined : daemon.stop()));
  await produceRecords(kafka, records, { batchSize: 500 });

  const client = createKafka(kafka);
  await waitFor('the daemon to catch up', async () => (await groupLag(client, config.groupId, [kafka.topics.turns, kafka.topics.feedback])) === 0);
  assert.match(daemon.url!, /^http:\/\/127\.0\.0\.1:\d+$/, 'probes bound to loopback by default');
  const health = await fetch(`${daemon.url}/healthz`);
  assert.equal(health.status, 200, 'the daemon is alive after the poison');
  assert.equal((await fetch(`${daemon.url}/readyz`)).status, 200, 'ready: member of the group');
  const metricsText = await (await fetch(`${daemon.url}/metrics`)).text();
  const dlqMetric = [...metricsText.matchAll(/^fm_daemon_dead_lettered_total\{[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
  assert.equal(dlqMetric, POISON, 'fm_daemon_dead_lettered_total counts every poison message');
  const sum = (name: string) => [...metricsText.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  assert.equal(sum('fm_daemon_messages_received_total'), records.length);
  assert.equal(sum('fm_daemon_messages_processed_total'), records.length);
  assert.equal(sum('fm_daemon_records_rejected_total'), POISON);
  assert.match(metricsText, /^fm_daemon_consumer_lag\{topic="turns-[^"]+",partition="0"\} 0$/m);
  assert.match(metricsText, /^fm_daemon_batch_seconds_count\{topic="turns-[^"]+"\} \d+$/m);

  const letters = await readDeadLetters(client, kafka.topics.deadLetter, POISON);
  assert.equal(letters.length, POISON, 'each poison message dead-lettered once');
  assert.deepEqual(new Set(letters.map((l) => l.key)), new Set(expectedField.keys()));
  for (const l of letters) {
    assert.ok(l.headers['fm-reason'].length > 0, `reason for ${l.key}`);
    assert.equal(l.headers['fm-field'], expectedField.get(l.key!), `field for ${l.key}: ${l.headers['fm-reason']}`);
    assert.equal(l.headers['fm-stage'], 'validation');
    assert.match(l.headers['fm-origin-topic'], /^(turns|feedback)-/);
    assert.match(l.headers['fm-origin-offset'], /^\d+$/);
    assert.match(l.headers['fm-origin-partition'], /^[0-3]$/);
  }

  await daemon.stop();
  stopped = true;
  const check = await checkStores(config.stateDir);
  const turns = exactlyOnce(data.turnIds, check.turns);
  assert.deepEqual([turns.missing.length, turns.duplicated.length, turns.unexpected.length], [0, 0, 0], 'every valid turn stored exactly once');
  const verdicts = exactlyOnce(data.assistantIds, check.verdicts);
  assert.deepEqual([verdicts.missing.length, verdicts.duplicated.length, verdicts.unexpected.length], [0, 0, 0], 'one verdict per assistant turn');
  const events = exactlyOnce(data.eventIds, check.events);
  assert.deepEqual([events.missing.length, events.duplicated.length], [0, 0], 'every feedback event stored once');
  assert.equal(check.duplicateSignals, 0);
  assert.ok(check.signals > 0);
});
