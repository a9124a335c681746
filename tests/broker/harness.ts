// Test harness that runs a real single-node Apache Kafka 3.9 (KRaft, combined broker+controller) from jars fetched
// by scripts/kafka/pom.xml, so broker tests exercise the same wire protocol and auth as production.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const KAFKA_HOME = join(REPO, '.kafka');
const LIBS = join(KAFKA_HOME, 'libs');
const POM = join(REPO, 'scripts', 'kafka', 'pom.xml');
const JAVA = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
// Written last by ensureKafkaJars, so a half-finished download is never mistaken for a complete one.
const MARKER = '.complete';

export interface ScramUser {
  user: string;
  password: string;
}

export interface BrokerOptions {
  /** Adds a SASL_PLAINTEXT listener (SCRAM-SHA-256 and -512) with this user's credentials. */
  scram?: ScramUser;
  /**
   * Adds an SSL listener with a throwaway CA and server certificate (made with openssl); with `clientAuth` the
   * broker also requires a client certificate signed by that CA (one is made too).
   */
  tls?: { clientAuth?: boolean };
  /** Default partitions for topics created without an explicit count (broker `num.partitions`). Default 1. */
  numPartitions?: number;
  /**
   * Default false, as on most production clusters: tests must create their topics (connectors/kafka.ts
   * ensureTopics), so code that forgets to do so fails here instead of working only against a lenient broker.
   */
  autoCreateTopics?: boolean;
  /** Extra or overriding server.properties entries. */
  config?: Record<string, string | number | boolean>;
  /** Max JVM heap in MiB. Default 512. */
  heapMb?: number;
  /** How long to wait for the broker to serve requests. Default 60 s (a loaded 2-core CI box is slow). */
  startTimeoutMs?: number;
}

export interface TlsFiles {
  caFile: string;
  clientCertFile?: string;
  clientKeyFile?: string;
}

export interface Broker {
  /** host:port of the PLAINTEXT listener. */
  bootstrap: string;
  /** host:port of the SASL_PLAINTEXT (SCRAM) listener, when `scram` was requested. */
  scramBootstrap?: string;
  /** host:port of the SSL listener, when `tls` was requested. */
  tlsBootstrap?: string;
  /** PEM files for clients of the SSL listener: the CA to trust and, with clientAuth, a client key pair. */
  tlsFiles?: TlsFiles;
  /** Kafka data directory (`log.dirs`); survives restart(), removed by stop(). */
  logDir: string;
  /** The broker's own log (stdout+stderr of the JVM). */
  logFile: string;
  /** Temp directory holding config, data and log. */
  dir: string;
  /** Milliseconds the last start (or restart) took until the broker answered a describeCluster. */
  startupMs: number;
  /** Graceful stop (SIGTERM, SIGKILL after 15 s), then removes `dir`. Idempotent. */
  stop(): Promise<void>;
  /** Graceful stop and start again on the same ports with the same data. */
  restart(): Promise<void>;
  /** SIGKILL, as in a crash; the data stays for restart(), stop() still cleans up. */
  kill(): void;
}

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, output }));
  });
}

function pomHash(): string {
  return createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 16);
}

/**
 * Makes sure .kafka/libs holds the jar set of scripts/kafka/pom.xml (downloads through Maven, ~/.m2 caches) and
 * returns its path. Fast when already present; safe when several processes call it at once.
 */
export async function ensureKafkaJars(): Promise<string> {
  const hash = pomHash();
  const markerPath = join(LIBS, MARKER);
  if (existsSync(markerPath) && readFileSync(markerPath, 'utf8').trim() === hash) return LIBS;
  mkdirSync(KAFKA_HOME, { recursive: true });
  const staging = mkdtempSync(join(KAFKA_HOME, 'libs.tmp-'));
  try {
    const { code, output } = await run('mvn', [
      '-q', '-B', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${staging}`,
    ]);
    if (code !== 0) throw new Error(`fetching Kafka jars with Maven (${POM}) failed with exit code ${code}:\n${output.slice(-4000)}`);
    writeFileSync(join(staging, MARKER), hash + '\n');
    // Another process may have finished first; its copy is as good as ours.
    if (existsSync(markerPath) && readFileSync(markerPath, 'utf8').trim() === hash) return LIBS;
    rmSync(LIBS, { recursive: true, force: true });
    renameSync(staging, LIBS);
    return LIBS;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function classpath(libs: string): string[] {
  // An explicit, sorted list (not `libs/*`) keeps the class path identical between runs, which the CDS archive needs.
  return readdirSync(libs).filter((f) => f.endsWith('.jar')).sort().map((f) => join(libs, f));
}

/**
 * Path of the AppCDS archive for this jar set and JVM. Starting from a class-data archive saves ~0.5 s per JVM;
 * the first broker JVM writes it at exit (-XX:ArchiveClassesAtExit). FM_KAFKA_CDS=0 turns this off.
 */
function cdsArchive(jars: string[]): string | null {
  if (process.env.FM_KAFKA_CDS === '0') return null;
  const h = createHash('sha256');
  h.update(process.env.JAVA_HOME ?? 'java');
  for (const jar of jars) h.update(`${jar}:${statSync(jar).size}:${statSync(jar).mtimeMs}\n`);
  return join(KAFKA_HOME, 'cds', `kafka-${h.digest('hex').slice(0, 16)}.jsa`);
}

function jvmArgs(heapMb: number, log4jConfig: string): string[] {
  return [
    `-Xmx${heapMb}m`,
    '-Xms64m',
    // Startup over peak speed: the test broker handles little traffic but is started often.
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${log4jConfig}`,
  ];
}

/** A free loopback TCP port (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A random Kafka cluster id: 16 random bytes, base64url without padding, as kafka.common.Uuid prints it. Like
 * Uuid.randomUuid() it never starts with '-', which the StorageTool command line would read as an option (this
 * failed 1 start in 64 before).
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no broker log)';
  }
}

// The temp dir is removed after a failed start, so the error carries the log's tail.
function logHint(logFile: string): string {
  return `Last lines of its log (FM_KEEP_KAFKA_DIR=1 keeps ${logFile}):\n${tail(logFile)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ports {
  plain: number;
  controller: number;
  sasl?: number;
  ssl?: number;
}

/**
 * A CA, a server certificate for 127.0.0.1/localhost and (for client auth) a client certificate, as PEM files.
 * EC keys: generating them takes milliseconds, where RSA would take seconds on a busy machine.
 */
async function makeTlsMaterial(dir: string, clientAuth: boolean): Promise<TlsFiles & { serverPem: string }> {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const openssl = async (args: string[]) => {
    const { code, output } = await run('openssl', args, { cwd: dir });
    if (code !== 0) throw new Error(`openssl ${args[0]} failed (exit ${code}): ${output}`);
  };
  await openssl(['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=fm-test-ca']);
  const issue = async (name: string, cn: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    await openssl(['req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`]);
    await openssl([
      'x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-out', f(`${name}.crt`), '-days', '2', '-extfile', f(`${name}.ext`),
    ]);
  };
  await issue('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  // Kafka's PEM keystore file: the PKCS#8 private key followed by the certificate chain.
  writeFileSync(f('server.pem'), readFileSync(f('server.key'), 'utf8') + readFileSync(f('server.crt'), 'utf8'));
  const files: TlsFiles & { serverPem: string } = { caFile: f('ca.pem'), serverPem: f('server.pem') };
  if (clientAuth) {
    await issue('client', 'fm-test-client', 'extendedKeyUsage=clientAuth\n');
    files.clientCertFile = f('client.crt');
    files.clientKeyFile = f('client.key');
  }
  return files;
}

function serverProperties(dir: string, ports: Ports, opts: BrokerOptions, tls?: TlsFiles & { serverPem: string }): string {
  const listeners = [`PLAINTEXT://127.0.0.1:${ports.plain}`, `CONTROLLER://127.0.0.1:${ports.controller}`];
  const advertised = [`PLAINTEXT://127.0.0.1:${ports.plain}`];
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${ports.controller}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL',
    'log.dirs': join(dir, 'data'),
    'num.partitions': opts.numPartitions ?? 1,
    'auto.create.topics.enable': opts.autoCreateTopics ?? false,
    // Single node: internal topics cannot have more than one replica.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    // One partition each: creating the 50 default partitions of __consumer_offsets costs seconds on first join.
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.num.partitions': 1,
    'group.initial.rebalance.delay.ms': 0,
    // After a crash (kill()) the restarted node cannot register until its old broker session expires (default 9 s).
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 3000,
    // Few threads and a small cleaner buffer (default 128 MiB) for a shared 2-core machine.
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 8 * 1024 * 1024,
  };
  if (ports.sasl !== undefined) {
    listeners.push(`SASL_PLAINTEXT://127.0.0.1:${ports.sasl}`);
    advertised.push(`SASL_PLAINTEXT://127.0.0.1:${ports.sasl}`);
    props['sasl.enabled.mechanisms'] = 'SCRAM-SHA-256,SCRAM-SHA-512';
    for (const mech of ['scram-sha-256', 'scram-sha-512']) {
      props[`listener.name.sasl_plaintext.${mech}.sasl.jaas.config`] =
        'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    }
  }
  if (ports.ssl !== undefined && tls) {
    listeners.push(`SSL://127.0.0.1:${ports.ssl}`);
    advertised.push(`SSL://127.0.0.1:${ports.ssl}`);
    props['listener.name.ssl.ssl.keystore.type'] = 'PEM';
    props['listener.name.ssl.ssl.keystore.location'] = tls.serverPem;
    props['listener.name.ssl.ssl.truststore.type'] = 'PEM';
    props['listener.name.ssl.ssl.truststore.location'] = tls.caFile;
    props['listener.name.ssl.ssl.client.auth'] = opts.tls?.clientAuth ? 'required' : 'none';
  }
  props.listeners = listeners.join(',');
  props['advertised.listeners'] = advertised.join(',');
  Object.assign(props, opts.config ?? {});
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

const LOG4J = `# Broker log for tests: INFO to stdout, which the harness sends to broker.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
`;

// Brokers still running; the exit hook kills them so a failed test never leaves a JVM behind.
const live = new Set<{ killNow(): void }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const b of live) b.killNow();
  });
}

/**
 * Kills the broker and removes its directory if this Node process dies without running its exit hooks (SIGKILL,
 * an unhandled signal). A detached shell polling our pid: Node has no parent-death signal for children.
 */
function spawnWatchdog(javaPid: number, dir: string): ChildProcess {
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 "$2" 2>/dev/null; rm -rf "$3"';
  const watchdog = spawn('sh', ['-c', script, 'fm-kafka-watchdog', String(process.pid), String(javaPid), dir], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return watchdog;
}

/** A listener to probe for readiness, with what a client needs to get in. */
interface Probe {
  broker: string;
  sasl?: SASLOptions;
  ssl?: ConnectionOptions;
}

async function waitReady(
  proc: ChildProcess,
  bootstraps: Probe[],
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const { broker, sasl, ssl } of bootstraps) {
    let lastError: unknown;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`Kafka broker exited (${proc.exitCode ?? proc.signalCode}) during startup. ${logHint(logFile)}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Kafka broker not ready on ${broker} after ${timeoutMs} ms (last error: ${String(lastError)}). ${logHint(logFile)}`,
        );
      }
      const admin = new Kafka({
        clientId: 'fm-harness',
        brokers: [broker],
        sasl,
        ssl,
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1000,
        requestTimeout: 2000,
        retry: { retries: 0 },
      }).admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length > 0) break;
      } catch (err) {
        lastError = err;
      } finally {
        await admin.disconnect().catch(() => {});
      }
      await sleep(100);
    }
  }
}

/** Starts a fresh single-node KRaft broker in a temp dir on free 127.0.0.1 ports and waits until it serves. */
export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
  if (opts.scram && !/^[\w.@-]+$/.test(opts.scram.user + opts.scram.password)) {
    // The --add-scram syntax has its own quoting; tests only need simple credentials.
    throw new Error('harness SCRAM user and password must match [\\w.@-]+');
  }
  const libs = await ensureKafkaJars();
  const jars = classpath(libs);
  const cds = cdsArchive(jars);
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'fm-kafka-'));
  const logFile = join(dir, 'broker.log');
  const propsFile = join(dir, 'server.properties');
  const log4jFile = join(dir, 'log4j.properties');
  writeFileSync(log4jFile, LOG4J);

  let proc: ChildProcess | null = null;
  let watchdog: ChildProcess | null = null;
  let ports: Ports = { plain: 0, controller: 0 };
  let stopped = false;

  const entry = {
    killNow() {
      proc?.kill('SIGKILL');
      watchdog?.kill('SIGKILL');
      if (process.env.FM_KEEP_KAFKA_DIR !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };

  const baseArgs = () => ['-cp', jars.join(':')];
  const cdsArgs = (): string[] => {
    if (!cds) return [];
    if (existsSync(cds)) return [`-XX:SharedArchiveFile=${cds}`];
    return [];
  };

  async function format(): Promise<void> {
    const args = [
      ...jvmArgs(256, log4jFile),
      ...cdsArgs(),
      ...baseArgs(),
      'kafka.tools.StorageTool', 'format', '--config', propsFile, '--cluster-id', clusterId(),
    ];
    if (opts.scram) {
      for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
        args.push('--add-scram', `${mech}=[name=${opts.scram.user},password=${opts.scram.password}]`);
      }
    }
    const { code, output } = await run(JAVA, args, { cwd: dir });
    if (code !== 0) throw new Error(`kafka.tools.StorageTool format failed (exit ${code}):\n${output.slice(-4000)}`);
  }

  let cdsPending: string | null = null;
  function launch(): ChildProcess {
    const extra = cdsArgs();
    if (cds && extra.length === 0 && cdsPending === null) {
      // No archive yet: this JVM writes one at exit (renamed into place by stopProcess()).
      mkdirSync(dirname(cds), { recursive: true });
      cdsPending = `${cds}.${process.pid}.tmp`;
      extra.push(`-XX:ArchiveClassesAtExit=${cdsPending}`);
    }
    const fd = openSync(logFile, 'a');
    try {
      const child = spawn(JAVA, [...jvmArgs(opts.heapMb ?? 512, log4jFile), ...extra, ...baseArgs(), 'kafka.Kafka', propsFile], {
        cwd: dir,
        stdio: ['ignore', fd, fd],
      });
      child.on('error', () => {}); // surfaced by waitReady through exitCode
      return child;
    } finally {
      closeSync(fd);
    }
  }

  async function stopProcess(): Promise<void> {
    const child = proc;
    proc = null;
    watchdog?.kill('SIGKILL');
    watchdog = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (cdsPending && cds) {
      try {
        if (statSync(cdsPending, { throwIfNoEntry: false })?.size) {
          renameSync(cdsPending, cds);
          // Archives for an older jar set, and dumps abandoned by killed runs, are dead weight (~45 MB each).
          for (const f of readdirSync(dirname(cds))) {
            const path = join(dirname(cds), f);
            const abandoned = f.endsWith('.tmp') && Date.now() - statSync(path).mtimeMs > 3_600_000;
            if ((f.endsWith('.jsa') && path !== cds) || abandoned) rmSync(path, { force: true });
          }
        }
      } catch {
        // Another run may have won the race; any complete archive will do.
      } finally {
        rmSync(cdsPending, { force: true });
        cdsPending = null;
      }
    }
  }

  async function startProcess(): Promise<number> {
    const started = Date.now();
    proc = launch();
    if (proc.pid !== undefined) watchdog = spawnWatchdog(proc.pid, dir);
    const bootstraps: Probe[] = [{ broker: `127.0.0.1:${ports.plain}` }];
    if (opts.scram && ports.sasl !== undefined) {
      bootstraps.push({
        broker: `127.0.0.1:${ports.sasl}`,
        sasl: { mechanism: 'scram-sha-256', username: opts.scram.user, password: opts.scram.password },
      });
    }
    if (tls && ports.ssl !== undefined) {
      bootstraps.push({
        broker: `127.0.0.1:${ports.ssl}`,
        ssl: {
          ca: [readFileSync(tls.caFile, 'utf8')],
          cert: tls.clientCertFile ? readFileSync(tls.clientCertFile, 'utf8') : undefined,
          key: tls.clientKeyFile ? readFileSync(tls.clientKeyFile, 'utf8') : undefined,
        },
      });
    }
    await waitReady(proc, bootstraps, logFile, opts.startTimeoutMs ?? 60_000);
    return Date.now() - started;
  }

  live.add(entry);
  let tls: (TlsFiles & { serverPem: string }) | undefined;
  try {
    if (opts.tls) tls = await makeTlsMaterial(join(dir, 'tls'), opts.tls.clientAuth ?? false);
    let startupMs = 0;
    // Free ports are found by binding and releasing them, so another process can grab one in between: retry.
    for (let attempt = 1; ; attempt++) {
      ports = {
        plain: await freePort(),
        controller: await freePort(),
        sasl: opts.scram ? await freePort() : undefined,
        ssl: opts.tls ? await freePort() : undefined,
      };
      writeFileSync(propsFile, serverProperties(dir, ports, opts, tls));
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      const started = Date.now();
      await format();
      try {
        await startProcess();
        startupMs = Date.now() - started;
        break;
      } catch (err) {
        await stopProcess();
        if (attempt < 3 && /Address already in use/.test(tail(logFile, 200))) continue;
        throw err;
      }
    }

    const broker: Broker = {
      bootstrap: `127.0.0.1:${ports.plain}`,
      scramBootstrap: ports.sasl !== undefined ? `127.0.0.1:${ports.sasl}` : undefined,
      tlsBootstrap: ports.ssl !== undefined ? `127.0.0.1:${ports.ssl}` : undefined,
      tlsFiles: tls ? { caFile: tls.caFile, clientCertFile: tls.clientCertFile, clientKeyFile: tls.clientKeyFile } : undefined,
      logDir: join(dir, 'data'),
      logFile,
      dir,
      startupMs,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopProcess();
        live.delete(entry);
        if (process.env.FM_KEEP_KAFKA_DIR !== '1') rmSync(dir, { recursive: true, force: true });
      },
      async restart() {
        if (stopped) throw new Error('restart() after stop()');
        await stopProcess();
        broker.startupMs = await startProcess();
      },
      kill() {
        proc?.kill('SIGKILL');
      },
    };
    return broker;
  } catch (err) {
    await stopProcess();
    live.delete(entry);
    entry.killNow();
    throw err;
  }
}

/** A topic or group name no other test uses (kafkajs testHelpers do the same). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
}

/**
 * Reads `topics` from the beginning with a fresh consumer group until `count` messages arrived (or fails after
 * `timeoutMs` saying how many it got). With `settleMs` it keeps reading that much longer, so a test can see
 * duplicates or extra messages beyond `count`.
 */
export async function consumeAll(
  kafka: Kafka,
  topics: string[],
  count: number,
  { timeoutMs = 20_000, settleMs = 0 }: { timeoutMs?: number; settleMs?: number } = {},
): Promise<ConsumedMessage[]> {
  // A short fetch wait: disconnect() waits for the fetch in flight, which otherwise long-polls 5 s.
  const consumer = kafka.consumer({ groupId: uniqueName('fm-test-group'), maxWaitTimeInMs: 100 });
  const received: ConsumedMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolveDone, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`consumed ${received.length} of ${count} messages from ${topics.join(',')} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            received.push({
              topic,
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? null,
            });
            if (received.length === count) {
              clearTimeout(timer);
              setTimeout(resolveDone, settleMs);
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}
