// Broker restart mid-stream: the broker goes down (graceful restart, then a SIGKILL crash and restart) while the
// daemon is behind; the daemon recovers by itself, nothing is lost or duplicated, and dead letters still flow.
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
  broker = await startBroker({ numPartitions: 3 });
  dir = mkdtempSync(join(tmpdir(), 'fm-brestart-'));
});
after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the broker restarts (graceful, then killed) mid-stream: the daemon recovers and nothing is lost', { timeout: 300_000 }, async (t) => {
  const kafka = parseKafkaOptions({
    brokers: broker.bootstrap,
    topics: { turns: uniqueName('turns'), feedback: uniqueName('feedback'), deadLetter: uniqueName('dlq') },
  });
  await ensureTopics(kafka, { numPartitions: 3 });
  const data = corpus(4000, 3);
  const all: ProduceRecord[] = [];
  for await (const r of linesToRecords(data.lines, kafka.topics)) all.push(r);
  const third = Math.floor(all.length / 3);
  const config = resolveDaemonConfig({
    brokers: broker.bootstrap, stateDir: join(dir, 'state'), groupId: uniqueName('g'), noMetrics: true, sessionTimeoutMs: 6000,
    turnsTopic: kafka.topics.turns, feedbackTopic: kafka.topics.feedback, deadLetterTopic: kafka.topics.deadLetter,
  }, {});
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void logs.push(s) });
  const daemon = await startDaemon(config, { logger });
  t.after(() => daemon.stop());
  const client = createKafka(kafka);
  const topics = [kafka.topics.turns, kafka.topics.feedback];
  const bad = (i: number): ProduceRecord => ({ topic: kafka.topics.turns, key: `bad-${i}`, value: '{not json' });

  // Phase 1: a third of the stream, then a graceful broker restart while the daemon is still consuming it.
  await produceRecords(kafka, [...all.slice(0, third), bad(1)], { batchSize: 1000 });
  assert.ok((await groupLag(client, config.groupId, topics)) > 0, 'the daemon is behind when the broker goes away');
  await broker.restart();
  // Phase 2: the next third, then a crash (SIGKILL) of the broker and a restart.
  await produceRecords(kafka, [...all.slice(third, 2 * third), bad(2)], { batchSize: 1000 });
  broker.kill();
  await new Promise((r) => setTimeout(r, 1000));
  await broker.restart();
  // Phase 3: the rest, after the broker is back.
  await produceRecords(kafka, [...all.slice(2 * third), bad(3)], { batchSize: 1000 });

  await waitFor('the daemon to catch up after the restarts', async () => (await groupLag(client, config.groupId, topics).catch(() => 1)) === 0, 180_000, 1000);
  const letters = await readDeadLetters(client, kafka.topics.deadLetter, 3);
  assert.deepEqual(letters.map((l) => l.key).sort(), ['bad-1', 'bad-2', 'bad-3']);
  await daemon.stop();

  const check = await checkStores(config.stateDir);
  const turns = exactlyOnce(data.turnIds, check.turns);
  assert.deepEqual({ missing: turns.missing.length, duplicated: turns.duplicated.length, unexpected: turns.unexpected.length }, { missing: 0, duplicated: 0, unexpected: 0 });
  const verdicts = exactlyOnce(data.assistantIds, check.verdicts);
  assert.deepEqual({ missing: verdicts.missing.length, duplicated: verdicts.duplicated.length }, { missing: 0, duplicated: 0 });
  const events = exactlyOnce(data.eventIds, check.events);
  assert.deepEqual({ missing: events.missing.length, duplicated: events.duplicated.length }, { missing: 0, duplicated: 0 });
  assert.equal(check.duplicateSignals, 0);
  t.diagnostic(`daemon log lines during the test: ${logs.length}; errors: ${logs.filter((l) => l.includes('"level":50')).length}`);
});
