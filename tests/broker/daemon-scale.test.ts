// Scale-out: three daemon processes in one consumer group share a state directory (each partition's store moves with
// the partition) and a lake; one is SIGKILLed mid-stream; an analyst query runs on the lake meanwhile. Afterwards
// every turn, event and verdict is stored exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from './harness.js';
import { createKafka, produceRecords } from '../../connectors/kafka.js';
import { linesToRecords } from '../../src/daemon/produce.js';
import { checkStores, corpus, daemonFixture, exactlyOnce, exited, groupLag, REPO, spawnDaemon, waitFor } from './daemon-helpers.js';

const PARTITIONS = 6;
let broker: Broker;
let dir: string;
before(async () => {
  broker = await startBroker({ numPartitions: PARTITIONS });
  dir = mkdtempSync(join(tmpdir(), 'fm-scale-'));
});
after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('three daemons in one group, one killed mid-stream: no loss, no duplicates; an analyst query runs meanwhile', { timeout: 600_000 }, async (t) => {
  const { kafka, groupId, stateDir, lakeDir, args } = await daemonFixture(broker.bootstrap, dir, { partitions: PARTITIONS, exportIntervalMs: 1000 });
  const data = corpus(5000, 5);
  const daemons = [spawnDaemon(args), spawnDaemon(args), spawnDaemon(args)];
  t.after(() => daemons.forEach((d) => d.kill('SIGKILL')));

  const producing = produceRecords(kafka, linesToRecords(data.lines, kafka.topics), { batchSize: 500, ratePerSec: 2500 });
  const lakeTurns = () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli.ts'), 'lake-sql', '--lake', lakeDir, '--format', 'json',
      'SELECT count(*) AS turns, count(DISTINCT "partition") AS partitions FROM turns'], { cwd: REPO, encoding: 'utf8', env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' } });
    assert.equal(r.status, 0, `lake-sql failed: ${r.stderr}`);
    return JSON.parse(r.stdout)[0] as { turns: number; partitions: number };
  };
  // Let the group form and the lake fill, then the analyst asks while the daemons write.
  await waitFor('segments in the lake', () => {
    try {
      return lakeTurns().turns > 0;
    } catch {
      return false;
    }
  }, 120_000, 1000);
  const during = lakeTurns();
  t.diagnostic(`analyst query during the stream: ${JSON.stringify(during)}`);
  assert.ok(during.turns > 0 && during.turns < data.turnIds.size, 'the query saw part of the stream');
  daemons[1].kill('SIGKILL');
  await exited(daemons[1]);
  const stats = await producing;
  t.diagnostic(`produced ${stats.sent} records in ${stats.elapsedMs} ms`);

  const client = createKafka(kafka);
  await waitFor('the surviving daemons to catch up', async () => (await groupLag(client, groupId, [kafka.topics.turns, kafka.topics.feedback])) === 0, 300_000, 1000);
  for (const d of [daemons[0], daemons[2]]) {
    assert.equal(d.exitCode, null, `a surviving daemon exited: ${d.logs.join('').slice(-2000)}`);
    d.kill('SIGTERM');
  }
  await Promise.all([exited(daemons[0]), exited(daemons[2])]);
  assert.deepEqual([daemons[0].exitCode, daemons[2].exitCode], [0, 0]);

  const check = await checkStores(stateDir);
  assert.equal(check.stores, PARTITIONS);
  const turns = exactlyOnce(data.turnIds, check.turns);
  assert.deepEqual({ missing: turns.missing.length, duplicated: turns.duplicated.length, unexpected: turns.unexpected.length }, { missing: 0, duplicated: 0, unexpected: 0 });
  const verdicts = exactlyOnce(data.assistantIds, check.verdicts);
  assert.deepEqual({ missing: verdicts.missing.length, duplicated: verdicts.duplicated.length }, { missing: 0, duplicated: 0 });
  const events = exactlyOnce(data.eventIds, check.events);
  assert.deepEqual({ missing: events.missing.length, duplicated: events.duplicated.length }, { missing: 0, duplicated: 0 });
  assert.equal(check.duplicateSignals, 0);
  const final = lakeTurns();
  assert.deepEqual(final, { turns: data.turnIds.size, partitions: PARTITIONS }, 'the lake holds every turn once after the graceful stops');
});
