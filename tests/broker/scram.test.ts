// SASL/SCRAM against a real broker's SASL_PLAINTEXT listener: the right password (from the environment or a file)
// produces and consumes; a wrong one fails fast with a clear, non-retriable authentication error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumeAll, startBroker, uniqueName, type Broker } from './harness.js';
import {
  KafkaConnectorError,
  classifyKafkaError,
  createKafka,
  ensureTopics,
  parseKafkaOptions,
  produceRecords,
  type KafkaLogger,
} from '../../connectors/kafka.js';

const USER = 'fm-alice';
const PASSWORD = 'alice-secret-42';
let broker: Broker;
before(async () => {
  broker = await startBroker({ scram: { user: USER, password: PASSWORD } });
});
after(() => broker?.stop());

test('right password from the environment: produce and consume over SCRAM-SHA-256', async () => {
  const env = { FEEDBACK_MINER_KAFKA_PASSWORD: PASSWORD };
  const options = parseKafkaOptions({
    brokers: broker.scramBootstrap,
    sasl: { mechanism: 'scram-sha-256', username: USER },
    topics: { turns: uniqueName('scram-turns') },
  });
  await ensureTopics(options, { topics: [options.topics.turns] }, { env });
  const stats = await produceRecords(
    options,
    [1, 2, 3].map((i) => ({ topic: options.topics.turns, key: `conv-${i}`, value: `hello ${i}` })),
    { batchSize: 2 },
    { env },
  );
  assert.equal(stats.sent, 3);
  const received = await consumeAll(createKafka(options, { env }), [options.topics.turns], 3);
  assert.deepEqual(received.map((m) => m.value).sort(), ['hello 1', 'hello 2', 'hello 3']);
});

test('right password from a file: SCRAM-SHA-512 consumer reads from the SASL listener', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fm-scram-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'kafka-password'), `${PASSWORD}\n`);
  const options = parseKafkaOptions({
    brokers: [broker.scramBootstrap!],
    sasl: { mechanism: 'scram-sha-512', username: USER, passwordFile: join(dir, 'kafka-password') },
    topics: { feedback: uniqueName('scram-fb') },
  });
  await ensureTopics(options, { topics: [options.topics.feedback] }, { env: {} });
  await produceRecords(options, [{ topic: options.topics.feedback, key: 'conv-9', value: 'thumbs_up' }], { batchSize: 1 }, { env: {} });
  const received = await consumeAll(createKafka(options, { env: {} }), [options.topics.feedback], 1);
  assert.deepEqual(received.map((m) => [m.key, m.value]), [['conv-9', 'thumbs_up']]);
});

test('wrong password: a clear AUTH error within a few seconds, for admin, producer and consumer', async (t) => {
  const env = { FEEDBACK_MINER_KAFKA_PASSWORD: 'not-the-password' };
  // Default retry settings on purpose: an auth failure must not be retried into a long hang.
  const options = parseKafkaOptions({ brokers: broker.scramBootstrap, sasl: { mechanism: 'scram-sha-256', username: USER } });
  const logged: string[] = [];
  const logger: KafkaLogger = {
    error: (o, m) => logged.push(`${m} ${JSON.stringify(o)}`),
    warn: (o, m) => logged.push(`${m} ${JSON.stringify(o)}`),
    info: () => {},
    debug: () => {},
  };

  let started = Date.now();
  await assert.rejects(ensureTopics(options, {}, { env, logger }), (err: unknown) => {
    assert.ok(err instanceof KafkaConnectorError);
    assert.equal(err.code, 'AUTH');
    assert.equal(err.retriable, false);
    assert.match(err.message, /Kafka refused the credentials \(scram-sha-256, user fm-alice\)/);
    assert.match(err.message, /invalid credentials/i);
    assert.equal((err.cause as Error).name, 'KafkaJSSASLAuthenticationError');
    return true;
  });
  const adminMs = Date.now() - started;
  assert.ok(adminMs < 5000, `admin failed after ${adminMs} ms`);

  started = Date.now();
  await assert.rejects(
    produceRecords(options, [{ topic: 'fm.turns', key: 'c', value: 'v' }], { batchSize: 1 }, { env }),
    (err: unknown) => err instanceof KafkaConnectorError && err.code === 'AUTH',
  );
  const producerMs = Date.now() - started;
  assert.ok(producerMs < 5000, `producer failed after ${producerMs} ms`);

  started = Date.now();
  const consumer = createKafka(options, { env }).consumer({ groupId: uniqueName('scram-bad') });
  await assert.rejects(consumer.connect(), (err: unknown) => {
    const classified = classifyKafkaError(err, options);
    return classified instanceof KafkaConnectorError && classified.code === 'AUTH';
  });
  await consumer.disconnect();
  const consumerMs = Date.now() - started;
  assert.ok(consumerMs < 5000, `consumer failed after ${consumerMs} ms`);

  t.diagnostic(`wrong password rejected after: admin ${adminMs} ms, producer ${producerMs} ms, consumer ${consumerMs} ms`);
  assert.ok(logged.length > 0, 'the failure was logged');
  assert.ok(logged.every((line) => !line.includes('not-the-password')), 'the password never reaches the logs');
});

test('the PLAINTEXT listener stays open alongside SASL (tests use it for setup)', async () => {
  const admin = createKafka(parseKafkaOptions({ brokers: broker.bootstrap })).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
  } finally {
    await admin.disconnect();
  }
});
