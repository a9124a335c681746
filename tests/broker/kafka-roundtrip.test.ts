// Produce and consume through connectors/kafka.ts against a real broker: keys pick partitions, batches and the
// rate limit hold, a slow source is flushed by linger, kafkajs logs reach the supplied logger.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { consumeAll, startBroker, uniqueName, type Broker } from './harness.js';
import {
  createKafka,
  ensureTopics,
  parseKafkaOptions,
  produceRecords,
  turnRecord,
  feedbackRecord,
  type KafkaLogger,
  type KafkaOptions,
  type KafkaTopics,
  type ProduceRecord,
} from '../../connectors/kafka.js';
import { feedbackEventSchema, turnSchema } from '../../src/model.js';

let broker: Broker;
before(async () => {
  broker = await startBroker({ numPartitions: 3 });
});
after(() => broker?.stop());

function optionsFor(prefix: string): KafkaOptions {
  return parseKafkaOptions({
    brokers: broker.bootstrap,
    topics: { turns: uniqueName(`${prefix}-turns`), feedback: uniqueName(`${prefix}-fb`), deadLetter: uniqueName(`${prefix}-dl`) },
  });
}

const parseTurn = turnSchema();
function turns(conversations: number, perConversation: number, topics: KafkaTopics): ProduceRecord[] {
  const records: ProduceRecord[] = [];
  for (let turn = 0; turn < perConversation; turn++) {
    for (let c = 0; c < conversations; c++) {
      const role = turn % 2 ? 'assistant' : 'user';
      records.push(
        turnRecord(parseTurn.parse({ conversation_id: `conv-${c}`, turn_index: turn, message_id: `m-${c}-${turn}`, role, content: `turn ${turn}` }), topics),
      );
    }
  }
  return records;
}

test('ensureTopics creates the three topics once', async () => {
  const options = optionsFor('ensure');
  const created = await ensureTopics(options);
  assert.deepEqual(created.sort(), [options.topics.deadLetter, options.topics.feedback, options.topics.turns].sort());
  assert.deepEqual(await ensureTopics(options), [], 'second call finds them');
});

test('round trip: every record arrives once, keyed by conversation, in order within a conversation', async () => {
  const options = optionsFor('rt');
  await ensureTopics(options);
  const records = turns(7, 6, options.topics);
  async function* source() {
    yield* records;
  }
  const batches: number[] = [];
  const stats = await produceRecords(options, source(), { batchSize: 10, onBatch: (b) => batches.push(b.records) });
  assert.equal(stats.sent, records.length);
  assert.equal(stats.byTopic[options.topics.turns], records.length);
  assert.deepEqual(batches, [10, 10, 10, 10, 2]);

  const received = await consumeAll(createKafka(options), [options.topics.turns], records.length, { settleMs: 500 });
  assert.equal(received.length, records.length, 'no duplicates');
  const partitionOf = new Map<string, number>();
  const byConversation = new Map<string, number[]>();
  for (const m of received) {
    const turn = JSON.parse(m.value!);
    assert.equal(m.key, turn.conversation_id);
    if (partitionOf.has(m.key!)) assert.equal(partitionOf.get(m.key!), m.partition, `${m.key} stays on one partition`);
    partitionOf.set(m.key!, m.partition);
    byConversation.set(m.key!, [...(byConversation.get(m.key!) ?? []), turn.turn_index]);
  }
  for (const [conversation, order] of byConversation) assert.deepEqual(order, [0, 1, 2, 3, 4, 5], conversation);
  assert.ok(new Set(partitionOf.values()).size > 1, '7 keys over 3 partitions use more than one');
});

test('feedback keyed by its conversation lands on the same partition number as the turns', async () => {
  const options = optionsFor('fb');
  await ensureTopics(options);
  const turnRecords = turns(6, 2, options.topics);
  const feedback = Array.from({ length: 6 }, (_, c) =>
    feedbackRecord(feedbackEventSchema.parse({ event_id: `e-${c}`, message_id: `m-${c}-1`, kind: 'thumbs_up' }), `conv-${c}`, options.topics),
  );
  await produceRecords(options, [...turnRecords, ...feedback], { batchSize: 5 });
  const received = await consumeAll(createKafka(options), [options.topics.turns, options.topics.feedback], 18);
  const turnPartition = new Map(received.filter((m) => m.topic === options.topics.turns).map((m) => [m.key, m.partition]));
  const fb = received.filter((m) => m.topic === options.topics.feedback);
  assert.equal(fb.length, 6);
  for (const m of fb) {
    assert.equal(JSON.parse(m.value!).kind, 'thumbs_up');
    assert.equal(m.partition, turnPartition.get(m.key), `${m.key}: feedback partition`);
  }
});

test('rate limit: 60 records at 100/s are paced over ~0.5 s', async () => {
  const options = optionsFor('rate');
  await ensureTopics(options, { topics: [options.topics.turns] });
  const records = turns(6, 10, options.topics);
  const unlimited = await produceRecords(options, records, { batchSize: 100 });
  const limited = await produceRecords(options, records, { batchSize: 100, ratePerSec: 100 });
  assert.equal(unlimited.batches, 1);
  assert.equal(limited.sent, 60);
  assert.equal(limited.batches, 6, 'batches capped to a tenth of the per-second rate');
  // The sixth batch may leave only at start + 50 records / 100 per s = 500 ms.
  assert.ok(limited.elapsedMs >= 495, `limited took ${limited.elapsedMs} ms`);
  assert.ok(limited.elapsedMs < 5000, `limited took ${limited.elapsedMs} ms, far slower than the rate`);
  assert.ok(unlimited.elapsedMs < limited.elapsedMs, `unlimited ${unlimited.elapsedMs} ms vs limited ${limited.elapsedMs} ms`);
});

test('a slow source is flushed after lingerMs instead of waiting for a full batch; abort stops it', async () => {
  const options = optionsFor('linger');
  await ensureTopics(options, { topics: [options.topics.turns] });
  const controller = new AbortController();
  const acked: number[] = [];
  async function* slow() {
    yield { topic: options.topics.turns, key: 'c1', value: 'first' };
    yield { topic: options.topics.turns, key: 'c1', value: 'second' };
    await new Promise((r) => setTimeout(r, 60_000).unref()); // a tailed file that goes quiet
    yield { topic: options.topics.turns, key: 'c1', value: 'never' };
  }
  const done = produceRecords(options, slow(), {
    batchSize: 100,
    lingerMs: 50,
    signal: controller.signal,
    onBatch: (b) => {
      acked.push(b.sent);
      controller.abort();
    },
  });
  const stats = await done;
  assert.deepEqual(acked, [2]);
  assert.equal(stats.sent, 2);
  assert.ok(stats.elapsedMs < 10_000, `stopped promptly (${stats.elapsedMs} ms)`);
  const received = await consumeAll(createKafka(options), [options.topics.turns], 2, { settleMs: 200 });
  assert.deepEqual(received.map((m) => m.value), ['first', 'second']);
});

test('producing to a missing topic fails (auto-creation is off) and kafkajs logs go to the given logger', async () => {
  const options = parseKafkaOptions({ brokers: broker.bootstrap, retry: { retries: 1, initialRetryTimeMs: 100 } });
  const entries: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const logger: KafkaLogger = {
    error: (obj, msg) => entries.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
    warn: (obj, msg) => entries.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    info: (obj, msg) => entries.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    debug: (obj, msg) => entries.push({ level: 'debug', obj: obj as Record<string, unknown>, msg }),
  };
  const missing = uniqueName('missing');
  await assert.rejects(
    produceRecords(options, [{ topic: missing, key: 'c', value: 'v' }], { batchSize: 1 }, { logger }),
    (err: Error) => /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION|retries/i.test(err.message),
  );
  const admin = createKafka(options).admin();
  await admin.connect();
  try {
    assert.ok(!(await admin.listTopics()).includes(missing), 'the broker did not create it');
  } finally {
    await admin.disconnect();
  }
  assert.ok(entries.length > 0, 'kafkajs logged something');
  assert.ok(entries.every((e) => e.obj.component === 'kafkajs' && typeof e.obj.namespace === 'string'));
});
