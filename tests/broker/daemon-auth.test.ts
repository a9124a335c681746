// Authentication: the daemon (CLI, child process) consumes from the broker's SASL/SCRAM listener with the password
// from the environment or a file; a wrong password makes it exit quickly with a clear error that never shows the
// password, instead of hanging.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, uniqueName, type Broker } from './harness.js';
import { createKafka, ensureTopics, parseKafkaOptions, produceRecords } from '../../connectors/kafka.js';
import { linesToRecords } from '../../src/daemon/produce.js';
import { checkStores, corpus, exactlyOnce, exited, groupLag, spawnDaemon, waitFor } from './daemon-helpers.js';

const USER = 'fm-daemon';
const PASSWORD = 'daemon-secret-17';
let broker: Broker;
let dir: string;
before(async () => {
  broker = await startBroker({ scram: { user: USER, password: PASSWORD }, numPartitions: 2 });
  dir = mkdtempSync(join(tmpdir(), 'fm-dauth-'));
});
after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function topicsFor() {
  return { turns: uniqueName('turns'), feedback: uniqueName('feedback'), deadLetter: uniqueName('dlq') };
}
const topicArgs = (t: ReturnType<typeof topicsFor>) => ['--turns-topic', t.turns, '--feedback-topic', t.feedback, '--dead-letter-topic', t.deadLetter];

test('the daemon consumes over SASL/SCRAM-SHA-512 with the password from a file', { timeout: 180_000 }, async (t) => {
  const topics = topicsFor();
  const plain = parseKafkaOptions({ brokers: broker.bootstrap, topics });
  await ensureTopics(plain, { numPartitions: 2 });
  const data = corpus(300, 9);
  await produceRecords(plain, linesToRecords(data.lines, topics), { batchSize: 500 });
  writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
  const groupId = uniqueName('g');
  const stateDir = join(dir, 'state');
  const daemon = spawnDaemon([
    '--brokers', broker.scramBootstrap!, '--sasl-mechanism', 'scram-sha-512', '--sasl-username', USER, '--password-file', join(dir, 'password'),
    '--group-id', groupId, '--state-dir', stateDir, '--no-metrics', ...topicArgs(topics),
  ]);
  t.after(() => daemon.kill('SIGKILL'));
  await waitFor('the daemon to consume everything', async () => (await groupLag(createKafka(plain), groupId, [topics.turns, topics.feedback])) === 0, 120_000, 1000);
  daemon.kill('SIGTERM');
  await exited(daemon);
  assert.equal(daemon.exitCode, 0);
  const logs = daemon.logs.join('');
  assert.match(logs, /sasl=scram-sha-512 user=fm-daemon password=\(file /, 'the connection is described without the secret');
  assert.ok(!logs.includes(PASSWORD), 'the password never reaches the logs');
  const check = await checkStores(stateDir);
  const turns = exactlyOnce(data.turnIds, check.turns);
  assert.deepEqual([turns.missing.length, turns.duplicated.length], [0, 0]);
});

test('a wrong password: the daemon exits within seconds with a clear authentication error', { timeout: 60_000 }, async (t) => {
  const topics = topicsFor();
  await ensureTopics(parseKafkaOptions({ brokers: broker.bootstrap, topics }), { numPartitions: 2 });
  const started = Date.now();
  const daemon = spawnDaemon(
    ['--brokers', broker.scramBootstrap!, '--sasl-mechanism', 'scram-sha-256', '--sasl-username', USER, '--state-dir', join(dir, 'state-bad'), '--no-metrics', ...topicArgs(topics)],
    { FEEDBACK_MINER_KAFKA_PASSWORD: 'not-the-password' },
  );
  t.after(() => daemon.kill('SIGKILL'));
  await exited(daemon);
  const ms = Date.now() - started;
  const logs = daemon.logs.join('');
  assert.equal(daemon.exitCode, 1, logs.slice(-2000));
  assert.match(logs, /feedback-miner: Kafka refused the credentials \(scram-sha-256, user fm-daemon\)/);
  assert.ok(!logs.includes('not-the-password'), 'the password never reaches the output');
  assert.ok(ms < 20_000, `exited after ${ms} ms`);
  t.diagnostic(`wrong password: exit ${daemon.exitCode} after ${ms} ms (including tsx start-up)`);
});
