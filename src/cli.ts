#!/usr/bin/env node
// feedback-miner command line: one subcommand per job. Data goes to stdout, diagnostics to stderr,
// `--json` gives machine-readable output, and exit codes mean something (see EXIT below).
import { Command, Option, InvalidArgumentError } from 'commander';
import { MinerError, errorMessage } from './errors.js';
import { DEFAULT_OUT, defaultDbPath, defaultRejectsPath, defaultReleasesDir } from './paths.js';
import { LAYOUTS } from '../connectors/formats.js';
import { registerFlrCommands } from './flr/cli.js';
import { registerPloveCommands } from './plove/cli.js';
import type { Conversation } from './model.js';
import type { ChosenClientOptions } from '../builders/chosen.js';

/** P[Love] training rows from a store: every assistant response with its reactions and reaction propensity. */
async function* loveExamplesFromStore(path: string, opts: { loveKinds?: string[]; windowHours?: number }) {
  const { Store } = await import('./store.js');
  const { loveExamplesFromConversations } = await import('./plove/labels.js');
  const store = await Store.open(path, { readOnly: true });
  try {
    const conversations: Conversation[] = [];
    for await (const c of store.conversations('all')) conversations.push(c);
    yield* loveExamplesFromConversations(conversations, opts).rows;
  } finally {
    store.close();
  }
}

export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, BAD_INPUT: 3, READ_ONLY: 4 } as const;

const intArg = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

function dbOption() {
  return new Option('--db <path>', 'DuckDB store file').default(defaultDbPath(), `${defaultDbPath()}`);
}

/** `--chosen-from URL --chosen-model NAME`: DRIFT chosen answers from an OpenAI-compatible endpoint. */
function chosenOptions(o: { chosenFrom?: string; chosenModel?: string; chosenConcurrency?: number }): ChosenClientOptions | undefined {
  if (!o.chosenFrom) return undefined;
  if (!o.chosenModel) throw new MinerError('BAD_CONFIG', '--chosen-from needs --chosen-model');
  return { endpoint: o.chosenFrom, model: o.chosenModel, apiKey: process.env.FEEDBACK_MINER_CHOSEN_API_KEY, concurrency: o.chosenConcurrency };
}

function withChosenOptions(cmd: Command): Command {
  return cmd
    .option('--chosen-from <url>', 'fill DRIFT chosen answers from this OpenAI-compatible endpoint (key: $FEEDBACK_MINER_CHOSEN_API_KEY)')
    .option('--chosen-model <name>', 'model name for --chosen-from')
    .option('--chosen-concurrency <n>', 'parallel requests to --chosen-from', intArg('--chosen-concurrency'), 4);
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('feedback-miner')
    .description('Mine implicit user feedback from chat logs into preference data for LLM training.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();

  withChosenOptions(program
    .command('mine'))
    .description('ingest -> detect -> store -> build: the whole batch job on log files')
    .argument('<files...>', 'JSONL (.jsonl, .jsonl.gz) or Parquet files, or directories of them')
    .addOption(dbOption())
    .option('--out <dir>', 'output directory for releases and rejects', DEFAULT_OUT)
    .addOption(new Option('--format <layout>', 'force an input layout instead of detecting it per file').choices(['auto', ...LAYOUTS]).default('auto'))
    .option('--name <name>', 'dataset release name', 'feedback')
    .option('--config <file>', 'JSON config file (detector weights, builder filters)')
    .option('--rejects <file>', 'where to write rejected records (default: <out>/rejects/rejects-<time>.jsonl)')
    .option('--no-build', 'stop after detection (no release)')
    .option('--json', 'print the summary as JSON')
    .action(async (files: string[], o) => {
      const { runMine, formatMineSummary } = await import('./mine.js');
      const summary = await runMine({
        inputs: files,
        db: o.db,
        out: o.out,
        format: o.format,
        name: o.name,
        configFile: o.config,
        rejectsPath: o.rejects ?? defaultRejectsPath(o.out),
        build: o.build,
        progress: !o.json,
        chosenFrom: chosenOptions(o),
      });
      process.stdout.write(o.json ? JSON.stringify(summary, null, 2) + '\n' : formatMineSummary(summary));
    });

  program
    .command('ingest')
    .description('read log files into the store (no detection)')
    .argument('<files...>', 'input files or directories')
    .addOption(dbOption())
    .addOption(new Option('--format <layout>', 'force an input layout').choices(['auto', ...LAYOUTS]).default('auto'))
    .option('--rejects <file>', 'where to write rejected records', defaultRejectsPath())
    .option('--json', 'print the summary as JSON')
    .action(async (files: string[], o) => {
      const { runIngestOnly } = await import('./mine.js');
      const s = await runIngestOnly({ inputs: files, db: o.db, format: o.format, rejectsPath: o.rejects });
      process.stdout.write(o.json ? JSON.stringify(s, null, 2) + '\n' : `ingested ${s.turnsInserted} turns, ${s.eventsInserted} feedback events from ${s.files} file(s); ${s.replays} replayed, ${s.rejected} rejected${s.rejectsFile ? ` (see ${s.rejectsFile})` : ''}\n`);
    });

  program
    .command('detect')
    .description('run the rule detectors and verdict fusion over stored conversations')
    .addOption(dbOption())
    .option('--config <file>', 'JSON config file')
    .option('--json', 'print the summary as JSON')
    .action(async (o) => {
      const { runDetectOnly } = await import('./mine.js');
      const s = await runDetectOnly({ db: o.db, configFile: o.config });
      process.stdout.write(o.json ? JSON.stringify(s, null, 2) + '\n' : `judged ${s.assistantTurns} assistant turns in ${s.conversations} conversations: ${JSON.stringify(s.byLabel)}\n`);
    });

  withChosenOptions(program
    .command('build'))
    .description('build a dataset release from stored verdicts')
    .addOption(dbOption())
    .option('--out <dir>', 'releases directory', defaultReleasesDir())
    .option('--name <name>', 'dataset release name', 'feedback')
    .option('--config <file>', 'JSON config file')
    .option('--json', 'print the summary as JSON')
    .action(async (o) => {
      const { runBuildOnly } = await import('./mine.js');
      const s = await runBuildOnly({ db: o.db, releasesDir: o.out, name: o.name, configFile: o.config, chosenFrom: chosenOptions(o) });
      process.stdout.write(o.json ? JSON.stringify(s, null, 2) + '\n' : `release written: ${s.path}\n`);
    });

  program
    .command('sql')
    .description('run a read-only SQL query against the store (statements that write are refused)')
    .argument('<query>', 'SQL text')
    .addOption(dbOption())
    .addOption(new Option('--format <fmt>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(async (query: string, o) => {
      const { runReadOnlySql, formatSqlResult } = await import('./sql.js');
      const r = await runReadOnlySql(o.db, query);
      process.stdout.write(formatSqlResult(r, o.format));
    });

  program
    .command('eval')
    .description('score the detectors against a labelled conversation file (sat/dsat/neutral gold labels)')
    .argument('<labelled>', 'labelled JSONL (see datasets README)')
    .option('--config <file>', 'JSON config file')
    .option('--json', 'print one JSON object')
    .action(async (file: string, o) => {
      const { runEval, formatEvalReport } = await import('./eval.js');
      const { loadConfig } = await import('./config.js');
      const config = loadConfig(o.config);
      const report = await runEval(file, { config: config.detectors });
      process.stdout.write(o.json ? JSON.stringify(report) + '\n' : formatEvalReport(report));
    });

  program
    .command('generate')
    .description('write a seeded synthetic chat-log corpus (for demos, tests and benchmarks)')
    .requiredOption('--out <file>', 'output file (.gz for gzip)')
    .option('--conversations <n>', 'number of conversations', intArg('--conversations'), 1000)
    .option('--seed <n>', 'random seed', intArg('--seed'), 42)
    .addOption(new Option('--format <layout>', 'layout').choices(['native', 'openai', 'sharegpt', 'wildchat']).default('native'))
    .option('--malformed-rate <r>', 'share of deliberately malformed lines', (v) => Number(v), 0)
    .action(async (o) => {
      const { writeCorpus } = await import('./generator.js');
      const s = await writeCorpus(o.out, { seed: o.seed, conversations: o.conversations, format: o.format, malformedRate: o.malformedRate });
      process.stderr.write(`wrote ${o.out}: ${JSON.stringify(s)}\n`);
    });

  program
    .command('batch')
    .description('nightly job for a time window: heavy detectors, re-fused verdicts, the window\'s release (resumable)')
    .option('--date <YYYY-MM-DD>', 'the UTC day to process')
    .option('--since <time>', 'window start (date or ISO 8601 timestamp, inclusive)')
    .option('--until <time>', 'window end (exclusive)')
    .addOption(dbOption())
    .option('--out <dir>', 'releases directory', defaultReleasesDir())
    .option('--name <name>', 'dataset release name (the window is appended)', 'feedback')
    .option('--config <file>', 'JSON config file (detector weights, builder filters)')
    .option('--flr-model <dir>', 'run FLR with this ONNX causal LM directory')
    .option('--plove-model <file>', 'run P[Love] with this model (.onnx from `plove train`, or a reward-model directory)')
    .option('--judge-url <url>', 'run the LLM judge on ambiguous turns (OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1)')
    .option('--judge-model <name>', 'model name for the judge endpoint')
    .option('--judge-cache <dir>', 'cache judge answers in this directory')
    .option('--chunks <n>', 'conversations are split into this many units per stage', intArg('--chunks'), 16)
    .option('--detector-version <detector=version...>', 're-fuse with this stored version of a heavy detector instead of the latest')
    .option('--no-progress', 'no progress bar or progress lines on stderr')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nExit codes: 0 done, 1 failure, 2 usage, 3 bad input or config, 5 some units failed (rerun to retry), 6 nothing stored for the window, 7 the store is locked by another process (retry later).')
    .action(async (o) => {
      const { runBatch, parseWindow, createProgress, formatBatchSummary, isStoreBusy, BATCH_EXIT } = await import('./batch.js');
      const window = parseWindow({ date: o.date, since: o.since, until: o.until });
      const pins: Record<string, string> = {};
      for (const p of (o.detectorVersion as string[] | undefined) ?? []) {
        const m = /^([a-z_]+)=(.+)$/.exec(p);
        if (!m) throw new MinerError('BAD_CONFIG', `--detector-version "${p}": expected detector=version`);
        pins[m[1]] = m[2];
      }
      const s = await runBatch({
        db: o.db,
        releasesDir: o.out,
        window,
        name: o.name,
        configFile: o.config,
        heavy: {
          flrModel: o.flrModel,
          ploveModel: o.ploveModel,
          judgeUrl: o.judgeUrl,
          judgeModel: o.judgeModel,
          judgeApiKey: process.env.FEEDBACK_MINER_JUDGE_API_KEY,
          judgeCacheDir: o.judgeCache,
        },
        chunks: o.chunks,
        pins,
        progress: o.progress ? createProgress(process.stderr, window.label) : undefined,
      }).catch((e) => {
        if (!isStoreBusy(e)) throw e;
        process.stderr.write(`feedback-miner: ${errorMessage(e)}\n(the store is in use by another process; exit ${BATCH_EXIT.STORE_BUSY}, retry later)\n`);
        process.once('exit', () => (process.exitCode = BATCH_EXIT.STORE_BUSY));
        return null;
      });
      if (!s) return;
      process.stdout.write(o.json ? JSON.stringify(s, null, 2) + '\n' : formatBatchSummary(s));
      // The shared exit path only knows 0/1/2/3/4; batch adds 5 (partial) and 6 (no data).
      if (s.exitCode !== 0) process.once('exit', () => (process.exitCode = s.exitCode));
    });

  program
    .command('report')
    .description('write one self-contained HTML page with the analyst views as charts and tables')
    .addOption(dbOption())
    .requiredOption('--out <file>', 'HTML file to write, e.g. report.html')
    .option('--json', 'print where the report went as JSON')
    .action(async (o) => {
      const { runReport } = await import('./report.js');
      const r = await runReport({ db: o.db, out: o.out });
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : `report written: ${r.path} (${r.charts} charts, ${r.bytes} bytes)\n`);
    });

  registerFlrCommands(program);
  registerPloveCommands(program, { examplesFromStore: loveExamplesFromStore });

  // ---- streaming (src/daemon/): daemon, produce, lake-sql
  const kafkaFlags = (cmd: Command) =>
    cmd
      .option('--config <file>', 'daemon JSON config file (flags and FEEDBACK_MINER_* env vars override it)')
      .option('--brokers <list>', 'Kafka bootstrap brokers host:port[,host:port] (env FEEDBACK_MINER_KAFKA_BROKERS)')
      .option('--turns-topic <name>', 'turns topic (default fm.turns)')
      .option('--feedback-topic <name>', 'feedback-events topic (default fm.feedback)')
      .option('--dead-letter-topic <name>', 'dead-letter topic (default fm.dead-letter)')
      .addOption(new Option('--sasl-mechanism <m>', 'SASL mechanism').choices(['plain', 'scram-sha-256', 'scram-sha-512']))
      .option('--sasl-username <user>', 'SASL user (or env FEEDBACK_MINER_KAFKA_USERNAME); the password comes from env FEEDBACK_MINER_KAFKA_PASSWORD or --password-file')
      .option('--password-file <file>', 'read the SASL password from this file')
      .option('--tls', 'connect with TLS')
      .option('--tls-ca-file <file>', 'CA certificate (PEM) to trust for the brokers');
  const daemonFlags = (o: Record<string, unknown>) => ({
    config: o.config as string | undefined,
    brokers: o.brokers as string | undefined,
    turnsTopic: o.turnsTopic as string | undefined,
    feedbackTopic: o.feedbackTopic as string | undefined,
    deadLetterTopic: o.deadLetterTopic as string | undefined,
    saslMechanism: o.saslMechanism as string | undefined,
    saslUsername: o.saslUsername as string | undefined,
    passwordFile: o.passwordFile as string | undefined,
    tls: o.tls as boolean | undefined,
    tlsCaFile: o.tlsCaFile as string | undefined,
  });

  kafkaFlags(
    program
      .command('daemon')
      .description('consume the turns and feedback topics, store and judge incrementally (exactly-once effect), dead-letter bad messages, export to a Parquet lake'),
  )
    .option('--group-id <id>', 'consumer group (default feedback-miner)')
    .option('--state-dir <dir>', 'directory of per-partition DuckDB stores (env FEEDBACK_MINER_STATE_DIR)')
    .option('--lake-dir <dir>', 'hive-partitioned Parquet lake for analysts and batch jobs')
    .option('--export-interval-ms <ms>', 'seal a lake segment per partition this often', intArg('--export-interval-ms'))
    .option('--metrics-host <host>', 'bind /metrics, /healthz, /readyz here (default 127.0.0.1)')
    .option('--metrics-port <port>', 'port for /metrics (default 9464; 0 = any free port)', intArg('--metrics-port'))
    .option('--no-metrics', 'no HTTP server')
    .option('--detector-config <file>', 'detector settings (same JSON as mine --config)')
    .option('--partitions-concurrently <n>', 'partitions processed in parallel', intArg('--partitions-concurrently'))
    .option('--session-timeout-ms <ms>', 'consumer group session timeout', intArg('--session-timeout-ms'))
    .option('--idle-conversation-ms <ms>', 'prune conversations idle this long (event time) once sealed in the lake', intArg('--idle-conversation-ms'))
    .option('--max-open-conversations <n>', 'keep at most this many conversations per partition store (sealed ones pruned first; default 100000 with --lake-dir)', intArg('--max-open-conversations'))
    .option('--min-bytes <n>', 'fetch: wait until this many bytes are ready (larger, fewer batches)', intArg('--min-bytes'))
    .option('--max-wait-ms <ms>', 'fetch: longest wait for --min-bytes', intArg('--max-wait-ms'))
    .addOption(new Option('--log-level <level>', 'log level (JSON logs on stderr)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .addHelpText('after', '\nSIGTERM/SIGINT: finish the batches in flight, commit, export, close. Exit codes: 0 stopped, 1 failure (e.g. Kafka refused the credentials), 3 bad config.')
    .action(async (o) => {
      const { resolveDaemonConfig } = await import('./daemon/config.js');
      const { startDaemon } = await import('./daemon/daemon.js');
      const config = resolveDaemonConfig({
        ...daemonFlags(o),
        groupId: o.groupId,
        stateDir: o.stateDir,
        lakeDir: o.lakeDir,
        exportIntervalMs: o.exportIntervalMs,
        metricsHost: o.metricsHost,
        metricsPort: o.metricsPort,
        noMetrics: o.metrics === false,
        detectorConfig: o.detectorConfig,
        partitionsConcurrently: o.partitionsConcurrently,
        sessionTimeoutMs: o.sessionTimeoutMs,
        minBytes: o.minBytes,
        idleConversationMs: o.idleConversationMs,
        maxOpenConversations: o.maxOpenConversations,
        maxWaitTimeMs: o.maxWaitMs,
        logLevel: o.logLevel,
      });
      const daemon = await startDaemon(config);
      const onSignal = (sig: string) => {
        process.stderr.write(`feedback-miner daemon: ${sig}, stopping\n`);
        void daemon.stop();
      };
      process.once('SIGTERM', () => onSignal('SIGTERM'));
      process.once('SIGINT', () => onSignal('SIGINT'));
      await daemon.stopped;
    });

  kafkaFlags(
    program
      .command('produce')
      .description('replay JSONL log files or the synthetic generator into the Kafka topics, keyed by conversation id')
      .argument('[files...]', 'JSONL (.jsonl, .jsonl.gz) log files'),
  )
    .option('--synthetic <conversations>', 'generate this many synthetic conversations instead of reading files', intArg('--synthetic'))
    .option('--seed <n>', 'generator seed', intArg('--seed'), 42)
    .option('--malformed-rate <r>', 'generator: share of deliberately malformed lines', (v) => Number(v), 0)
    .option('--rate <n>', 'records per second (default: as fast as the broker takes them)', (v) => Number(v))
    .option('--batch-size <n>', 'records per produce request', intArg('--batch-size'), 500)
    .option('--create-topics <partitions>', 'create missing topics with this many partitions first', intArg('--create-topics'))
    .option('--json', 'print the stats as JSON')
    .action(async (files: string[], o) => {
      const { resolveKafkaFromFlags } = await import('./daemon/config.js');
      const { runProduce } = await import('./daemon/produce.js');
      const { ensureTopics } = await import('../connectors/kafka.js');
      const kafka = resolveKafkaFromFlags(daemonFlags(o));
      if (o.createTopics) await ensureTopics(kafka, { numPartitions: o.createTopics });
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      process.once('SIGTERM', () => ac.abort());
      const stats = await runProduce({
        kafka,
        files,
        synthetic: o.synthetic !== undefined ? { seed: o.seed, conversations: o.synthetic, malformedRate: o.malformedRate } : undefined,
        ratePerSec: o.rate,
        batchSize: o.batchSize,
        signal: ac.signal,
      });
      process.stdout.write(o.json ? JSON.stringify(stats) + '\n' : `produced ${stats.sent} records in ${(stats.elapsedMs / 1000).toFixed(1)} s: ${JSON.stringify(stats.byTopic)}\n`);
    });

  program
    .command('lake-sql')
    .description('run read-only SQL over the Parquet lake the daemons write (views: turns, feedback_events, signals, verdicts)')
    .argument('<query>', 'SQL text')
    .requiredOption('--lake <dir>', 'lake directory (the daemons\' --lake-dir)')
    .addOption(new Option('--format <fmt>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(async (query: string, o) => {
      const { runLakeSql } = await import('./daemon/lake.js');
      const { formatSqlResult } = await import('./sql.js');
      process.stdout.write(formatSqlResult(await runLakeSql(o.lake, query), o.format));
    });

  try {
    await program.parseAsync(argv);
    return EXIT.OK;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof MinerError) {
      process.stderr.write(`feedback-miner: ${e.message}\n`);
      return e.code === 'READ_ONLY' ? EXIT.READ_ONLY : e.code === 'BAD_INPUT' || e.code === 'BAD_CONFIG' ? EXIT.BAD_INPUT : EXIT.FAILURE;
    }
    process.stderr.write(`feedback-miner: ${errorMessage(e)}\n`);
    if (process.env.FEEDBACK_MINER_DEBUG) console.error(e);
    return EXIT.FAILURE;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
