// connectors/kafka.ts option handling that needs no broker: validation errors, defaults, secrets kept out of logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import pino from 'pino';
import { logLevel } from 'kafkajs';
import {
  DEFAULT_TOPICS,
  KafkaConnectorError,
  buildKafkaConfig,
  classifyKafkaError,
  describeKafkaOptions,
  produceRecords,
  kafkaLogCreator,
  parseKafkaOptions,
  redactKafkaOptions,
  type KafkaLogger,
} from '../../connectors/kafka.js';

test('defaults: client id, timeouts, retry and the fm.* topic names', () => {
  const options = parseKafkaOptions({ brokers: ' a:9092, b:9093 ' });
  assert.deepEqual(options.brokers, ['a:9092', 'b:9093']);
  assert.equal(options.clientId, 'feedback-miner');
  assert.deepEqual(options.topics, { turns: 'fm.turns', feedback: 'fm.feedback', deadLetter: 'fm.dead-letter' });
  assert.deepEqual(options.topics, { ...DEFAULT_TOPICS });
  assert.equal(options.retry.retries, 5);
  const config = buildKafkaConfig(options);
  assert.equal(config.connectionTimeout, 3000);
  assert.equal(config.ssl, undefined);
  assert.equal(config.sasl, undefined);
  assert.equal(config.logLevel, logLevel.NOTHING, 'silent without a logger');
});

test('invalid options name the source and every bad field', () => {
  const err = (() => {
    try {
      parseKafkaOptions(
        { brokers: ['localhost'], topics: { turns: 'bad topic!' }, sasl: { mechanism: 'gssapi' }, bogus: 1 },
        'config.yaml',
      );
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof KafkaConnectorError);
  assert.equal(err.code, 'BAD_CONFIG');
  assert.equal(err.retriable, false);
  assert.match(err.message, /^config\.yaml: /);
  assert.match(err.message, /brokers\.0: expected host:port/);
  assert.match(err.message, /topics\.turns: topic names may contain only/);
  assert.match(err.message, /sasl\.mechanism/);
  assert.match(err.message, /bogus/);
  assert.throws(() => parseKafkaOptions({ brokers: [] }), /at least one broker/);
  assert.throws(
    () => parseKafkaOptions({ brokers: 'a:1', tls: { certFile: '/x.pem' } }),
    /tls\.certFile: certFile and keyFile must be given together/,
  );
});

test('password comes from the environment or a file and never shows up in logs or printed config', (t) => {
  const secret = 's3cr3t-Passw0rd';
  const options = parseKafkaOptions({ brokers: 'a:9092', sasl: { mechanism: 'scram-sha-512', username: 'alice' } });
  assert.throws(() => buildKafkaConfig(options, { env: {} }), /set FEEDBACK_MINER_KAFKA_PASSWORD or sasl\.passwordFile/);

  const config = buildKafkaConfig(options, { env: { FEEDBACK_MINER_KAFKA_PASSWORD: secret } });
  const sasl = config.sasl as { mechanism: string; username: string; password: string };
  assert.equal(sasl.password, secret, 'kafkajs reads it by name');
  assert.equal(sasl.mechanism, 'scram-sha-512');
  assert.ok(!JSON.stringify(config).includes(secret));
  assert.ok(!inspect(config, { depth: 10 }).includes(secret));

  const dir = mkdtempSync(join(tmpdir(), 'fm-kafka-opts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'password');
  writeFileSync(file, `${secret}\n`);
  const fromFile = parseKafkaOptions({ brokers: 'a:9092', sasl: { mechanism: 'plain', username: 'bob', passwordFile: file } });
  assert.equal((buildKafkaConfig(fromFile, { env: {} }).sasl as { password: string }).password, secret);
  const missing = parseKafkaOptions({ brokers: 'a:9092', sasl: { mechanism: 'plain', username: 'bob', passwordFile: join(dir, 'nope') } });
  assert.throws(() => buildKafkaConfig(missing, { env: {} }), /sasl\.passwordFile: cannot read .*nope: ENOENT/);

  const fromEnvUser = parseKafkaOptions({ brokers: 'a:9092', sasl: { mechanism: 'plain' } });
  assert.throws(() => buildKafkaConfig(fromEnvUser, { env: {} }), /sasl\.username: not set .*FEEDBACK_MINER_KAFKA_USERNAME/);
  const cfg = buildKafkaConfig(fromEnvUser, { env: { FEEDBACK_MINER_KAFKA_USERNAME: 'carol', FEEDBACK_MINER_KAFKA_PASSWORD: secret } });
  assert.equal((cfg.sasl as { username: string }).username, 'carol');

  const line = describeKafkaOptions(fromFile);
  assert.match(line, /sasl=plain user=bob password=\(file .*password\)/);
  assert.ok(!line.includes(secret));
  assert.ok(!JSON.stringify(redactKafkaOptions(options)).includes(secret));
  assert.match(describeKafkaOptions(options), /password=\(env FEEDBACK_MINER_KAFKA_PASSWORD\)/);
});

test('TLS files are read when the config is built, with errors naming the field', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fm-kafka-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
  const options = parseKafkaOptions({ brokers: 'a:9093', tls: { caFile: join(dir, 'ca.pem'), rejectUnauthorized: false } });
  const ssl = buildKafkaConfig(options).ssl as { ca: string[]; rejectUnauthorized: boolean };
  assert.deepEqual(ssl.ca, ['CA PEM']);
  assert.equal(ssl.rejectUnauthorized, false);
  assert.match(describeKafkaOptions(options), /tls=on\(unverified\)/);
  const bad = parseKafkaOptions({ brokers: 'a:9093', tls: { caFile: join(dir, 'missing.pem') } });
  assert.throws(() => buildKafkaConfig(bad), /kafka option tls\.caFile: cannot read .*missing\.pem/);
});

test('kafkajs log entries reach a pino logger as structured records, without secret-looking fields', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const sink: KafkaLogger = logger; // a pino logger satisfies the interface
  const log = kafkaLogCreator(sink)(logLevel.INFO);
  log({
    namespace: 'Connection',
    level: logLevel.ERROR,
    label: 'ERROR',
    log: { timestamp: 'x', message: 'Connection error', broker: 'a:9092', password: 'leak', saslMechanism: 'plain' },
  });
  log({ namespace: 'Consumer', level: logLevel.INFO, label: 'INFO', log: { timestamp: 'x', message: 'joined', groupId: 'g' } });
  assert.equal(lines.length, 2);
  assert.equal(lines[0].level, 50);
  assert.equal(lines[0].msg, 'Connection error');
  assert.equal(lines[0].component, 'kafkajs');
  assert.equal(lines[0].broker, 'a:9092');
  assert.equal(lines[0].password, undefined);
  assert.equal(lines[0].saslMechanism, undefined);
  assert.equal(lines[1].level, 30);
  assert.equal(lines[1].groupId, 'g');
  assert.equal(buildKafkaConfig(parseKafkaOptions({ brokers: 'a:1' }), { logger, logLevel: 'warn' }).logLevel, logLevel.WARN);
});

test('an unreachable broker is a retriable BROKER_UNAVAILABLE error, reported after the configured retries', async () => {
  const options = parseKafkaOptions({ brokers: '127.0.0.1:1', retry: { retries: 1, initialRetryTimeMs: 100 } });
  const started = Date.now();
  await assert.rejects(produceRecords(options, [{ topic: 'fm.turns', key: 'c', value: 'v' }], { batchSize: 1 }), (err: unknown) => {
    assert.ok(err instanceof KafkaConnectorError);
    assert.equal(err.code, 'BROKER_UNAVAILABLE');
    assert.equal(err.retriable, true);
    assert.match(err.message, /Kafka broker unavailable at 127\.0\.0\.1:1: .*ECONNREFUSED/);
    return true;
  });
  assert.ok(Date.now() - started < 5000);
  const other = new Error('something else');
  assert.equal(classifyKafkaError(other), other, 'unrelated errors pass through unchanged');
});

test('produce settings are checked before connecting', async () => {
  const options = parseKafkaOptions({ brokers: '127.0.0.1:1' });
  await assert.rejects(produceRecords(options, [], { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
  await assert.rejects(produceRecords(options, [], { batchSize: 1, ratePerSec: -5 }), /ratePerSec must be a positive number, got -5/);
});
