// Broker restarts: records acknowledged before a graceful restart or a crash (SIGKILL) are all there afterwards,
// and producing resumes against the restarted broker on the same address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumeAll, startBroker, uniqueName } from './harness.js';
import { createKafka, ensureTopics, parseKafkaOptions, produceRecords, type ProduceRecord } from '../../connectors/kafka.js';

test('produce, restart, produce, crash, restart, produce: every acknowledged record is consumed exactly once', async (t) => {
  const broker = await startBroker({ numPartitions: 2 });
  t.after(() => broker.stop());
  const options = parseKafkaOptions({ brokers: broker.bootstrap, topics: { turns: uniqueName('restart-turns') } });
  await ensureTopics(options, { topics: [options.topics.turns] });
  const phase = (name: string, n: number): ProduceRecord[] =>
    Array.from({ length: n }, (_, i) => ({ topic: options.topics.turns, key: `conv-${i % 5}`, value: `${name}-${i}` }));

  assert.equal((await produceRecords(options, phase('before', 40), { batchSize: 8 })).sent, 40);
  await broker.restart();
  t.diagnostic(`graceful restart: ${broker.startupMs} ms`);
  assert.equal((await produceRecords(options, phase('after-restart', 30), { batchSize: 8 })).sent, 30);
  broker.kill();
  await broker.restart();
  t.diagnostic(`restart after SIGKILL: ${broker.startupMs} ms`);
  assert.equal((await produceRecords(options, phase('after-crash', 20), { batchSize: 8 })).sent, 20);

  const received = await consumeAll(createKafka(options), [options.topics.turns], 90, { settleMs: 500 });
  const values = received.map((m) => m.value!);
  assert.equal(values.length, 90, 'nothing duplicated');
  const expected = [...phase('before', 40), ...phase('after-restart', 30), ...phase('after-crash', 20)].map((r) => r.value);
  assert.deepEqual([...values].sort(), [...expected].sort() as string[]);
  // Within one key (one partition) the order of production survives both restarts.
  for (let k = 0; k < 5; k++) {
    const key = `conv-${k}`;
    const got = received.filter((m) => m.key === key).map((m) => m.value);
    const want = expected.filter((_, i) => [...phase('before', 40), ...phase('after-restart', 30), ...phase('after-crash', 20)][i].key === key);
    assert.deepEqual(got, want, key);
  }
});
