// The harness itself: a real broker starts and serves, stop() leaves nothing behind, a failed start says why.
// (kill() and restart() are exercised with data in restart.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from './harness.js';

function portOpen(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

test('harness starts a real KRaft broker and stops it cleanly', async (t) => {
  const broker = await startBroker({ numPartitions: 2 });
  t.after(() => broker.stop());
  t.diagnostic(`first start (format + JVM + ready): ${broker.startupMs} ms`);

  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    assert.equal(`${cluster.brokers[0].host}:${cluster.brokers[0].port}`, broker.bootstrap);
    await admin.createTopics({ topics: [{ topic: 'harness-check' }], waitForLeaders: true });
    const meta = await admin.fetchTopicMetadata({ topics: ['harness-check'] });
    assert.equal(meta.topics[0].partitions.length, 2, 'num.partitions option reaches the broker');
  } finally {
    await admin.disconnect();
  }
  assert.match(readFileSync(broker.logFile, 'utf8'), /Kafka Server started/);
  assert.ok(existsSync(broker.logDir));

  const dir = broker.dir;
  await broker.stop();
  assert.equal(await portOpen(broker.bootstrap), false, 'listener closed after stop');
  assert.equal(existsSync(dir), false, 'temp dir removed after stop');
  await broker.stop(); // idempotent
});

test('a broker that cannot start fails with the reason, and leaves nothing behind', async () => {
  const harnessDirs = () => readdirSync(tmpdir()).filter((d) => /^fm-kafka-[A-Za-z0-9]{6}$/.test(d));
  const before = new Set(harnessDirs());
  // Rejected by the storage formatter (which validates the config first).
  await assert.rejects(startBroker({ config: { 'num.partitions': 'many' } }), (err: Error) => {
    assert.match(err.message, /StorageTool format failed/);
    assert.match(err.message, /num\.partitions/);
    return true;
  });
  // Formatted fine, but the broker JVM dies at once: the error carries the tail of its log.
  await assert.rejects(startBroker({ heapMb: 1 }), (err: Error) => {
    assert.match(err.message, /Kafka broker exited \(1\) during startup\. Last lines of its log/);
    assert.match(err.message, /heap/i);
    return true;
  });
  assert.deepEqual(harnessDirs().filter((d) => !before.has(d)), []);
});
