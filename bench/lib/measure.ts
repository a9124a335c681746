// Measuring child processes for the benchmarks: wall time, CPU time and peak RSS of one command (through
// `/usr/bin/time -v`), medians, and a description of the machine the figures came from.
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Measured {
  command: string;
  wallSeconds: number;
  userSeconds: number;
  sysSeconds: number;
  /** Peak resident set size of the measured process (VmHWM as reported by /usr/bin/time), in MiB. */
  maxRssMiB: number;
  exitCode: number;
  timedOut: boolean;
  /** Killed because its RSS passed the cap given to measure(). */
  rssCapped: boolean;
  stdout: string;
  stderrTail: string;
}

const TIME = '/usr/bin/time';

/** Shell-quoted form of a command line, so a reader can paste it. */
export function shellLine(cmd: string, args: string[]): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [cmd, ...args].map(q).join(' ');
}

/**
 * Runs `cmd args` under /usr/bin/time -v and returns its figures. A command past `timeoutSeconds` is killed (its
 * whole process group, which is only the command we started) and reported as timed out rather than thrown.
 */
export function measure(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutSeconds?: number; maxRssMiB?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(TIME, ['-v', cmd, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    let rssCapped = false;
    // Kill the measured command, not /usr/bin/time, so time still reports the peak RSS up to the kill.
    const killCommand = () => {
      const pids = child.pid ? commandPids(child.pid) : [];
      if (pids.length) for (const pid of pids) process.kill(pid, 'SIGKILL');
      else if (child.pid) process.kill(-child.pid, 'SIGKILL');
    };
    const timer = opts.timeoutSeconds
      ? setTimeout(() => {
          timedOut = true;
          killCommand();
        }, opts.timeoutSeconds * 1000)
      : null;
    // An RSS cap keeps a runaway run from pushing the shared machine into the OOM killer.
    const poll = opts.maxRssMiB
      ? setInterval(() => {
          const rss = child.pid ? commandPids(child.pid).reduce((a, pid) => a + rssMiB(pid), 0) : 0;
          if (rss > opts.maxRssMiB!) {
            rssCapped = true;
            killCommand();
          }
        }, 1000)
      : null;
    const t0 = process.hrtime.bigint();
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      const wallOwn = Number(process.hrtime.bigint() - t0) / 1e9;
      const stderr = Buffer.concat(err).toString('utf8');
      const field = (name: string) => {
        const m = new RegExp(`^\\s*${name.replace(/[()]/g, '\\$&')}: (.+)$`, 'm').exec(stderr);
        return m ? m[1].trim() : null;
      };
      const wall = field('Elapsed (wall clock) time (h:mm:ss or m:ss)');
      const exit = field('Exit status');
      const signal = /Command terminated by signal (\d+)/.exec(stderr);
      const rssKb = Number(field('Maximum resident set size (kbytes)') ?? NaN);
      // The time report is the last block of stderr; keep the command's own last lines for error messages.
      const own = stderr.split(/\n\s*Command being timed:/)[0];
      resolvePromise({
        command: shellLine(cmd, args),
        wallSeconds: wall ? parseClock(wall) : wallOwn,
        userSeconds: Number(field('User time (seconds)') ?? NaN),
        sysSeconds: Number(field('System time (seconds)') ?? NaN),
        maxRssMiB: rssKb / 1024,
        exitCode: signal ? 128 + Number(signal[1]) : exit !== null ? Number(exit) : (code ?? -1),
        timedOut,
        rssCapped,
        stdout: Buffer.concat(out).toString('utf8'),
        stderrTail: own.split('\n').slice(-12).join('\n'),
      });
    });
  });
}

/** The processes /usr/bin/time started (its children). */
function commandPids(timePid: number): number[] {
  try {
    return readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

function parseClock(s: string): number {
  return s.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

/** The last JSON object a command printed on stdout (commands may print logs before it). */
export function lastJson(stdout: string): Record<string, unknown> {
  const start = stdout.lastIndexOf('\n{');
  const text = start >= 0 ? stdout.slice(start + 1) : stdout.slice(stdout.indexOf('{'));
  return JSON.parse(text) as Record<string, unknown>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverage1m: number;
  gitCommit: string | null;
  gitDirty: boolean | null;
}

export function machineInfo(cwd: string): MachineInfo {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  // The bench's own outputs are rewritten after each section: they do not make the measured code dirty.
  const status = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results.json', ':!BENCHMARKS.md']);
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage1m: loadavg()[0],
    gitCommit: git(['rev-parse', 'HEAD']),
    gitDirty: status === null ? null : status.length > 0,
  };
}
