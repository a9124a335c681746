// The HTML report on a store with every section filled (example logs, rule detectors, a batch with P[Love], a
// release), checked as a file and rendered in headless Chromium over the DevTools protocol (--remote-debugging-pipe):
// charts drawn, no console errors, no network requests, and a screenshot written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { Store } from '../src/store.js';
import { detectStored, ingestFiles, RejectsWriter } from '../src/pipeline.js';
import { parseWindow, runBatch } from '../src/batch.js';
import { runReport } from '../src/report.js';
import { saveLoveModel, trainLoveModel } from '../src/plove/train.js';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'fm-report-'));
const CHROMIUM = '/usr/bin/chromium';
const CHART_IDS = [
  'chart-dsat-over-time',
  'chart-sat-over-time',
  'chart-category-dsat',
  'chart-category-sat',
  'chart-pair-yield',
  'chart-detector-agreement',
  'chart-plove-calibration',
];
/** Where the test leaves its screenshot (kept after the run for a human to look at). */
const SCREENSHOT = join(tmpdir(), 'feedback-miner-report.png');

const built = (async () => {
  const db = join(work, 'store.duckdb');
  const store = await Store.open(db, { salt: 'report-test' });
  await store.transaction(async () => {
    await ingestFiles(store, [join(root, 'examples/logs')], new RejectsWriter(null));
    await detectStored(store, 'touched');
  });
  store.close();
  // A P[Love] model from the logs' own Love reactions, so the calibration chart has real bins.
  const s = await Store.open(db, { readOnly: true });
  const examples = await s.rows<{ context: string; response: string; label: number }>(`
    SELECT coalesce((SELECT u.content FROM turns u WHERE u.conversation_id = a.conversation_id AND u.turn_index < a.turn_index
                     ORDER BY u.turn_index DESC LIMIT 1), '') AS context, a.content AS response,
           (EXISTS (SELECT 1 FROM feedback_events e WHERE e.message_id = a.message_id AND e.kind = 'love'))::INT AS label
    FROM turns a WHERE a.role = 'assistant' ORDER BY a.message_id`);
  s.close();
  const model = join(work, 'plove.onnx');
  await saveLoveModel(await trainLoveModel(examples.map((e) => ({ ...e, label: e.label as 0 | 1 })), { features: { dim: 1 << 12, version: 't' } }), model);
  for (const date of ['2026-11-20', '2026-11-23'])
    await runBatch({ db, releasesDir: join(work, 'releases'), window: parseWindow({ date }), name: 'feedback', heavy: { ploveModel: model }, chunks: 2, pins: {} });
  const out = join(work, 'report.html');
  const r = await runReport({ db, out });
  return { db, out, r, html: readFileSync(out, 'utf8') };
})();

test('the report is one self-contained file with every chart and the key tables', async () => {
  const { r, html } = await built;
  assert.equal(r.charts, CHART_IDS.length);
  for (const id of CHART_IDS) {
    const svg = new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html)?.[0];
    assert.ok(svg, `${id} present`);
    assert.ok((svg.match(/<(rect|circle|polyline|line) /g) ?? []).length >= 3, `${id} draws marks`);
  }
  for (const h of ['Policy scorecard', 'Reward-hacking monitor', 'Releases', 'Detector versions', 'Batch runs']) assert.ok(html.includes(h), h);
  // Nothing to fetch at view time: no scripts, no external stylesheets, images or links.
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(/i);
  assert.deepEqual([...new Set(html.match(/https?:\/\/[^"' )<]+/g) ?? [])], ['http://www.w3.org/2000/svg']);
  // Table contents come from the store: the scorecard lists every policy version with its response count.
  const store = await Store.open((await built).db, { readOnly: true });
  const policies = await store.rows<{ p: string; n: bigint }>(`SELECT coalesce(policy_version, '(unknown)') p, count(*) n FROM verdicts GROUP BY 1`);
  store.close();
  for (const { p, n } of policies) assert.match(html, new RegExp(`<td>${p.replace(/[()]/g, '\\$&')}</td><td>${n}</td>`));
});

test('feedback-miner report from the command line; a missing store is named', async () => {
  const { db } = await built;
  const { spawnSync } = await import('node:child_process');
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'src/cli.ts'), ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  const ok = run(['report', '--db', db, '--out', join(work, 'cli', 'r.html'), '--json']);
  assert.equal(ok.status, 0, ok.stderr);
  const r = JSON.parse(ok.stdout);
  assert.equal(r.charts, CHART_IDS.length);
  assert.ok(readFileSync(r.path, 'utf8').startsWith('<!doctype html>'));
  const missing = run(['report', '--db', join(work, 'nope.duckdb'), '--out', join(work, 'x.html')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.duckdb does not exist/);
  assert.ok(!existsSync(join(work, 'x.html')));
});

// ---------------------------------------------------------------- headless Chromium over the DevTools pipe

interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

class Cdp {
  private next = 1;
  private buffer = '';
  private pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  readonly events: CdpEvent[] = [];
  private waiters: { method: string; resolve: (e: CdpEvent) => void }[] = [];
  constructor(
    private readonly input: Writable,
    output: Readable,
  ) {
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 1);
        if (msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) p?.reject(new Error(`${msg.error.message} (${JSON.stringify(msg.error)})`));
          else p?.resolve(msg.result);
        } else {
          this.events.push(msg);
          this.waiters = this.waiters.filter((w) => (w.method === msg.method ? (w.resolve(msg), false) : true));
        }
      }
    });
  }
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.next++;
    this.input.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
  waitFor(method: string): Promise<CdpEvent> {
    return new Promise((resolve) => this.waiters.push({ method, resolve }));
  }
}

interface PageResult {
  problems: string[];
  requests: string[];
  charts: { id: string; marks: number; width: number; height: number }[];
  height: number;
  screenshot: Buffer;
}

/** Open `file` in a fresh headless Chromium; collect console errors, exceptions, log errors and requests. */
async function renderInChromium(file: string): Promise<PageResult> {
  const profile = mkdtempSync(join(work, 'chromium-profile-'));
  const child = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--remote-debugging-pipe',
      'about:blank',
    ],
    // Its own process group, so the renderer, zygote and crashpad children can be stopped with it: they write into the
    // profile directory and would race the cleanup below.
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    const cdp = new Cdp(child.stdio[3] as Writable, child.stdio[4] as Readable);
    const { targetId } = (await cdp.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const s = (m: string, p: Record<string, unknown> = {}) => cdp.send(m, p, sessionId);
    await Promise.all([s('Runtime.enable'), s('Log.enable'), s('Page.enable'), s('Network.enable')]);
    await s('Emulation.setDeviceMetricsOverride', { width: 1200, height: 900, deviceScaleFactor: 1, mobile: false });
    const loaded = cdp.waitFor('Page.loadEventFired');
    await s('Page.navigate', { url: pathToFileURL(file).href });
    await loaded;
    const measured = (await s('Runtime.evaluate', {
      returnByValue: true,
      expression: `(() => ({
        height: document.documentElement.scrollHeight,
        charts: [...document.querySelectorAll('svg.chart')].map((svg) => {
          const box = svg.getBoundingClientRect();
          const marks = [...svg.querySelectorAll('rect, circle, line, polyline, path')].filter((el) => {
            const b = el.getBoundingClientRect();
            return b.width > 0 || b.height > 0;
          }).length;
          return { id: svg.id, marks, width: box.width, height: box.height };
        }),
      }))()`,
    })) as { result: { value: { height: number; charts: PageResult['charts'] } } };
    const { height, charts } = measured.result.value;
    await s('Emulation.setDeviceMetricsOverride', { width: 1200, height, deviceScaleFactor: 1, mobile: false });
    const shot = (await s('Page.captureScreenshot', { format: 'png' })) as { data: string };
    const problems: string[] = [];
    const requests: string[] = [];
    for (const e of cdp.events) {
      if (e.method === 'Runtime.consoleAPICalled' && ['error', 'warning', 'assert'].includes(e.params.type as string))
        problems.push(`console.${e.params.type}: ${JSON.stringify((e.params.args as { value?: unknown }[]).map((a) => a.value))}`);
      if (e.method === 'Runtime.exceptionThrown') problems.push(`exception: ${JSON.stringify((e.params.exceptionDetails as { text: string; exception?: { description?: string } }).exception?.description ?? e.params)}`);
      if (e.method === 'Log.entryAdded' && ['error', 'warning'].includes((e.params.entry as { level: string }).level))
        problems.push(`log ${(e.params.entry as { level: string; text: string }).level}: ${(e.params.entry as { text: string }).text}`);
      if (e.method === 'Network.requestWillBeSent') requests.push((e.params.request as { url: string }).url);
    }
    await cdp.send('Browser.close').catch(() => undefined);
    return { problems, requests, charts, height, screenshot: Buffer.from(shot.data, 'base64') };
  } catch (e) {
    throw new Error(`${(e as Error).message}\nchromium stderr:\n${stderr.slice(-2000)}`);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is already gone
    }
    rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
}

const noChromium = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (Debian: apt-get install -y chromium); skipping the browser check`;

test('the collector sees console errors, exceptions and network requests (control page)', { skip: noChromium }, async () => {
  const bad = join(work, 'bad.html');
  writeFileSync(bad, `<!doctype html><html><body><img src="http://127.0.0.1:9/x.png"><script>console.error('boom'); null.x;</script></body></html>`);
  const r = await renderInChromium(bad);
  assert.ok(r.problems.some((p) => p.includes('boom')), r.problems.join('\n'));
  assert.ok(r.problems.some((p) => p.startsWith('exception')), r.problems.join('\n'));
  assert.ok(r.requests.some((u) => u.startsWith('http://127.0.0.1:9/')), r.requests.join('\n'));
});

test('the report renders in headless Chromium: charts drawn, no console errors, no network, screenshot', { skip: noChromium }, async () => {
  const { out } = await built;
  const r = await renderInChromium(out);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.requests, [pathToFileURL(out).href], 'the page fetches nothing but itself');
  assert.deepEqual(r.charts.map((c) => c.id), CHART_IDS);
  for (const c of r.charts) {
    assert.ok(c.width > 200 && c.height > 100, `${c.id} has a size on screen: ${c.width}x${c.height}`);
    assert.ok(c.marks >= 3, `${c.id} draws ${c.marks} visible marks`);
  }
  // A PNG of the whole page.
  assert.deepEqual([...r.screenshot.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(r.screenshot.readUInt32BE(16), 1200);
  assert.equal(r.screenshot.readUInt32BE(20), r.height);
  assert.ok(r.screenshot.length > 50_000, `screenshot has content (${r.screenshot.length} bytes)`);
  writeFileSync(SCREENSHOT, r.screenshot);
});

test.after(() => rmSync(work, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 }));
