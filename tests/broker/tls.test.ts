// TLS against a real broker's SSL listener that requires client certificates: the CA and client key pair from
// options work; a missing CA or a missing client certificate is a non-retriable AUTH error that says which.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { consumeAll, startBroker, uniqueName, type Broker } from './harness.js';
import { KafkaConnectorError, createKafka, ensureTopics, parseKafkaOptions, produceRecords } from '../../connectors/kafka.js';

let broker: Broker;
before(async () => {
  broker = await startBroker({ tls: { clientAuth: true } });
});
after(() => broker?.stop());

test('CA file and client certificate from options: produce and consume over TLS', async () => {
  const files = broker.tlsFiles!;
  const options = parseKafkaOptions({
    brokers: broker.tlsBootstrap,
    tls: { caFile: files.caFile, certFile: files.clientCertFile, keyFile: files.clientKeyFile },
    topics: { turns: uniqueName('tls-turns') },
  });
  await ensureTopics(options, { topics: [options.topics.turns] });
  await produceRecords(options, [{ topic: options.topics.turns, key: 'conv-1', value: 'over tls' }], { batchSize: 1 });
  const received = await consumeAll(createKafka(options), [options.topics.turns], 1);
  assert.deepEqual(received.map((m) => m.value), ['over tls']);
});

test('an untrusted broker certificate and a missing client certificate are AUTH errors naming the fix', async () => {
  const files = broker.tlsFiles!;
  // kafkajs retries TLS failures like connection errors; one retry keeps the test short.
  const retry = { retries: 1, initialRetryTimeMs: 100 };
  const noCa = parseKafkaOptions({ brokers: broker.tlsBootstrap, retry, tls: { certFile: files.clientCertFile, keyFile: files.clientKeyFile } });
  await assert.rejects(ensureTopics(noCa), (err: unknown) => {
    assert.ok(err instanceof KafkaConnectorError);
    assert.equal(err.code, 'AUTH');
    assert.equal(err.retriable, false);
    assert.match(err.message, /certificate at 127\.0\.0\.1:\d+ is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); check tls\.caFile/);
    return true;
  });
  const noClientCert = parseKafkaOptions({ brokers: broker.tlsBootstrap, retry, tls: { caFile: files.caFile } });
  await assert.rejects(ensureTopics(noClientCert), (err: unknown) => {
    assert.ok(err instanceof KafkaConnectorError);
    assert.equal(err.code, 'AUTH');
    assert.match(err.message, /TLS handshake .* failed \(ERR_SSL_[A-Z0-9_]+\); it may require a client certificate/);
    return true;
  });
});
