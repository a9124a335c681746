// Crash: the daemon (a child process) is SIGKILLed at random moments, at least 5 times, while >= 100k turns stream
// in; after recovery every turn, feedback event and verdict is stored exactly once (checked by id), signals are
// unique, and the lake's raw Parquet holds each turn once (replayed segments overwrite, never duplicate).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from './harness.js';
import { createKafka, produceRecords } from '../../connectors/kafka.js';
import { linesToRecords } from '../../src/daemon/produce.js';
import { runLakeSql } from '../../src/daemon/lake.js';
import { checkStores, corpus, daemonFixture, exactlyOnce, exited, groupLag, lakeGaps, spawnDaemon, waitFor } from './daemon-helpers.js';

const PARTITIONS = 6;
const CONVERSATIONS = Number(process.env.FM_CRASH_CONVERSATIONS ?? 16_500); // about 6.2 turns each: > 100k turns
const KILLS = 5;

let broker: Broker;
let dir: string;
before(async () => {
  broker = await startBroker({ numPartitions: PARTITIONS });
  dir = mkdtempSync(join(tmpdir(), 'fm-crash-'));
});
after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test(`SIGKILL the daemon ${KILLS}+ times while >= 100k turns stream in: every turn, event and verdict stored exactly once`, { timeout: 900_000 }, async (t) => {
  const { kafka, groupId, stateDir, lakeDir, args } = await daemonFixture(broker.bootstrap, dir, { partitions: PARTITIONS, exportIntervalMs: 1500 });
  const data = corpus(CONVERSATIONS, 11);
  if (!process.env.FM_CRASH_CONVERSATIONS) assert.ok(data.turnIds.size >= 100_000, `corpus has ${data.turnIds.size} turns`);
  const spawned = [spawnDaemon(args)];
  let daemon = spawned[0];
  t.after(() => daemon.kill('SIGKILL'));

  // The stream runs in the background at a steady rate while the daemon is killed and restarted.
  const producing = produceRecords(kafka, linesToRecords(data.lines, kafka.topics), { batchSize: 500, ratePerSec: 5000 });
  let producerDone = false;
  void producing.then(() => (producerDone = true), () => (producerDone = true));
  const kills: number[] = [];
  const t0 = Date.now();
  for (let k = 0; k < KILLS || !producerDone; k++) {
    if (k >= KILLS + 5) break; // the producer is slow: enough kills
    const wait = 2000 + Math.floor(Math.random() * 5000);
    await new Promise((r) => setTimeout(r, wait));
    if (daemon.exitCode !== null) assert.fail(`daemon exited on its own (${daemon.exitCode}): ${daemon.logs.join('').slice(-2000)}`);
    daemon.kill('SIGKILL');
    await exited(daemon);
    kills.push(Date.now() - t0);
    daemon = spawnDaemon(args);
    spawned.push(daemon);
  }
  const stats = await producing;
  t.diagnostic(`produced ${stats.sent} records in ${stats.elapsedMs} ms; SIGKILLs at ms ${kills.join(', ')}`);
  assert.ok(kills.length >= KILLS);

  const client = createKafka(kafka);
  const topics = [kafka.topics.turns, kafka.topics.feedback];
  await waitFor('the daemon to catch up', async () => (await groupLag(client, groupId, topics)) === 0, 600_000, 1000);
  t.diagnostic(`caught up ${Date.now() - t0} ms after the start`);
  daemon.kill('SIGTERM');
  await exited(daemon);
  assert.equal(daemon.exitCode, 0, `graceful stop: ${daemon.logs.join('').slice(-2000)}`);

  const check = await checkStores(stateDir);
  assert.equal(check.stores, PARTITIONS);
  const turns = exactlyOnce(data.turnIds, check.turns);
  assert.deepEqual({ missing: turns.missing.length, duplicated: turns.duplicated.length, unexpected: turns.unexpected.length }, { missing: 0, duplicated: 0, unexpected: 0 });
  const events = exactlyOnce(data.eventIds, check.events);
  assert.deepEqual({ missing: events.missing.length, duplicated: events.duplicated.length }, { missing: 0, duplicated: 0 });
  const verdicts = exactlyOnce(data.assistantIds, check.verdicts);
  assert.deepEqual({ missing: verdicts.missing.length, duplicated: verdicts.duplicated.length, unexpected: verdicts.unexpected.length }, { missing: 0, duplicated: 0, unexpected: 0 });
  assert.equal(check.duplicateSignals, 0, 'signals unique per (message_id, detector, version)');

  // The lake: graceful stop sealed the last segments; raw files hold each turn once, the views every id.
  const raw = await runLakeSql(lakeDir, `SELECT count(*) AS n, count(DISTINCT message_id) AS d FROM read_parquet('${lakeDir}/turns/*/*.parquet')`);
  const allLogs = spawned.flatMap((d, i) => d.logs.join('').split('\n').map((l) => `[daemon ${i}] ${l}`));
  let gaps = '';
  if (Number(raw.rows[0][0]) !== data.turnIds.size) {
    gaps = `${await lakeGaps(stateDir, lakeDir)}\n${allLogs.filter((l) => /export|segment|error/i.test(l)).slice(-30).join('\n')}`;
    t.diagnostic(gaps);
  }
  assert.deepEqual(raw.rows[0], [data.turnIds.size, data.turnIds.size], `lake turns: every turn once across all segments\n${gaps}`);
  const views = await runLakeSql(lakeDir, 'SELECT (SELECT count(*) FROM turns), (SELECT count(*) FROM verdicts), (SELECT count(*) FROM feedback_events)');
  assert.deepEqual(views.rows[0], [data.turnIds.size, data.assistantIds.size, data.eventIds.size]);
});

test('a daemon killed before its lake export: the next owner seals that tail on assignment, with no new traffic', { timeout: 300_000 }, async (t) => {
  // An export interval longer than the test: nothing reaches the lake unless the restarted daemon seals it.
  const { kafka, groupId, lakeDir, args } = await daemonFixture(broker.bootstrap, dir, { partitions: PARTITIONS, exportIntervalMs: 600_000, dirPrefix: 'tail-' });
  const data = corpus(300, 5);
  await produceRecords(kafka, linesToRecords(data.lines, kafka.topics), { batchSize: 500 });
  let daemon = spawnDaemon(args);
  t.after(() => daemon.kill('SIGKILL'));
  const client = createKafka(kafka);
  await waitFor('the first daemon to store everything', async () => (await groupLag(client, groupId, [kafka.topics.turns, kafka.topics.feedback])) === 0, 120_000, 500);
  const lakeTurns = async () => (existsSync(join(lakeDir, 'turns')) ? Number((await runLakeSql(lakeDir, 'SELECT count(*) FROM turns')).rows[0][0]) : 0);
  assert.equal(await lakeTurns(), 0, 'stored, not yet exported (the export interval has not passed)');
  daemon.kill('SIGKILL');
  await exited(daemon);

  // Everything is stored and committed, so the next daemon gets no batch at all: it must still seal the tail.
  daemon = spawnDaemon(args);
  await waitFor('the restarted daemon to seal the tail in the lake', async () => (await lakeTurns()) === data.turnIds.size, 60_000, 500);
  daemon.kill('SIGTERM');
  await exited(daemon);
  assert.equal(daemon.exitCode, 0, daemon.logs.join('').slice(-2000));
  const views = await runLakeSql(lakeDir, 'SELECT (SELECT count(*) FROM turns), (SELECT count(*) FROM verdicts), (SELECT count(*) FROM feedback_events)');
  assert.deepEqual(views.rows[0], [data.turnIds.size, data.assistantIds.size, data.eventIds.size]);
});
