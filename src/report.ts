// `feedback-miner report`: one self-contained HTML page (inline CSS and SVG, no scripts, no network) with the
// analyst views as charts and tables: DSAT over time by policy, category mix, pair yield, agreement, calibration.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Store } from './store.js';
import { calibration, esc, hbars, heatmap, PALETTE, rateLines, stackedBars, type RatePoint } from './report/charts.js';
import { FILTERS } from '../builders/index.js';

type Row = Record<string, unknown>;

export interface ReportData {
  db: string;
  generatedAt: string;
  totals: { conversations: number; turns: number; judged: number; dsat: number; sat: number; loved: number };
  daily: Row[];
  scorecard: Row[];
  categories: Row[];
  yieldRows: Row[];
  releases: Row[];
  agreement: Row[];
  versions: Row[];
  calibration: Row[];
  hacking: Row[];
  batches: Row[];
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const pct = (v: unknown) => (v === null || v === undefined ? '–' : `${(100 * Number(v)).toFixed(1)}%`);

/** Open the store for reading; a store from before the current migrations is migrated first (one short write). */
async function openForReport(db: string): Promise<Store> {
  const store = await Store.open(db, { readOnly: true });
  const has = await store.rows(`SELECT 1 FROM duckdb_views() WHERE view_name = 'v_pair_yield'`);
  if (has.length) return store;
  store.close();
  (await Store.open(db)).close();
  return Store.open(db, { readOnly: true });
}

export async function collectReportData(store: Store, db: string): Promise<ReportData> {
  await store.run("SET TimeZone = 'UTC'");
  const t = (await store.rows<Row>(`SELECT
      (SELECT count(DISTINCT conversation_id) FROM turns) conversations, (SELECT count(*) FROM turns) turns,
      (SELECT count(*) FROM verdicts) judged, (SELECT count(*) FROM verdicts WHERE label = 'dsat') dsat,
      (SELECT count(*) FROM verdicts WHERE label = 'sat') sat,
      (SELECT count(DISTINCT message_id) FROM feedback_events WHERE kind = 'love') loved`))[0];
  return {
    db,
    generatedAt: new Date().toISOString(),
    totals: {
      conversations: num(t.conversations),
      turns: num(t.turns),
      judged: num(t.judged),
      dsat: num(t.dsat),
      sat: num(t.sat),
      loved: num(t.loved),
    },
    daily: await store.rows(`SELECT strftime(day, '%Y-%m-%d') AS day, * EXCLUDE (day) FROM v_daily_rates WHERE day IS NOT NULL ORDER BY day, policy_version`),
    scorecard: await store.rows('SELECT * FROM v_policy_scorecard'),
    categories: await store.rows('SELECT * FROM v_category_mix'),
    // The most recent release's yield (by build time), and the release history.
    yieldRows: await store.rows(`SELECT y.* FROM v_pair_yield y
      JOIN (SELECT name, version FROM releases ORDER BY built_at DESC, name, version LIMIT 1) l USING (name, version)`),
    releases: await store.rows(`SELECT r.name, r.version, r.window_label, r.conversations, strftime(r.built_at, '%Y-%m-%d %H:%M') AS built_at,
        (SELECT sum(n) FROM release_stats s WHERE s.name = r.name AND s.version = r.version AND stage IN ('train', 'test')) AS rows_kept
      FROM releases r ORDER BY r.built_at DESC LIMIT 20`),
    agreement: await store.rows('SELECT * FROM v_detector_agreement'),
    versions: await store.rows('SELECT * FROM v_detector_versions'),
    calibration: await store.rows('SELECT * FROM v_plove_calibration'),
    hacking: await store.rows('SELECT * FROM v_reward_hacking'),
    batches: await store.rows(`SELECT window_label, count(*) AS units, strftime(max(finished_at), '%Y-%m-%d %H:%M') AS last_finished,
        round(sum(seconds), 1) AS seconds, bool_or(unit = 'release') AS released
      FROM batch_units GROUP BY window_label ORDER BY window_label DESC LIMIT 14`),
  };
}

function table(cols: { key: string; label: string; fmt?: (v: unknown) => string }[], rows: Row[]): string {
  if (!rows.length) return '<p class="empty">No rows.</p>';
  const head = cols.map((c) => `<th>${esc(c.label)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${cols.map((c) => `<td>${esc(c.fmt ? c.fmt(r[c.key]) : (r[c.key] ?? '–'))}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function section(id: string, title: string, why: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2><p class="why">${esc(why)}</p>${body}</section>`;
}

export function renderReport(d: ReportData): string {
  const parts: string[] = [];
  const tt = d.totals;
  parts.push(`<div class="cards">${[
    ['conversations', tt.conversations.toLocaleString('en')],
    ['judged responses', tt.judged.toLocaleString('en')],
    ['DSAT', pct(tt.judged ? tt.dsat / tt.judged : null)],
    ['SAT', pct(tt.judged ? tt.sat / tt.judged : null)],
    ['Loved responses', tt.loved.toLocaleString('en')],
    ['releases', String(d.releases.length)],
  ]
    .map(([k, v]) => `<div class="card"><div class="v">${esc(v)}</div><div class="k">${esc(k)}</div></div>`)
    .join('')}</div>`);

  // DSAT and SAT over time, per policy version.
  const byPolicy = new Map<string, Row[]>();
  for (const r of d.daily) byPolicy.set(String(r.policy_version), [...(byPolicy.get(String(r.policy_version)) ?? []), r]);
  const series = (key: 'dsat' | 'sat') =>
    [...byPolicy].map(([name, rows]) => ({
      name,
      points: rows.map((r): RatePoint => ({ x: String(r.day), y: num(r[`${key}_rate`]), lo: r[`${key}_rate_low`] as number | null, hi: r[`${key}_rate_high`] as number | null, n: num(r.judged) })),
    }));
  parts.push(
    section(
      'dsat-over-time',
      'DSAT rate over time by policy version',
      'Share of judged responses with a DSAT verdict, per day and policy version; bars are 95 % Wilson intervals, so thin days show wide bars.',
      d.daily.length ? rateLines('chart-dsat-over-time', 'DSAT rate by day and policy version', series('dsat')) + `<h3>SAT rate</h3>` + rateLines('chart-sat-over-time', 'SAT rate by day and policy version', series('sat')) : '<p class="empty">No timestamped verdicts yet.</p>',
    ),
  );

  parts.push(
    section(
      'scorecard',
      'Policy scorecard',
      'SAT, DSAT and Love rates per policy version over the whole store.',
      table(
        [
          { key: 'policy_version', label: 'policy' },
          { key: 'responses', label: 'responses' },
          { key: 'sat_rate', label: 'SAT', fmt: pct },
          { key: 'dsat_rate', label: 'DSAT', fmt: pct },
          { key: 'dsat_rate_low', label: 'DSAT 95% low', fmt: pct },
          { key: 'dsat_rate_high', label: 'DSAT 95% high', fmt: pct },
          { key: 'love_rate', label: 'Love', fmt: pct },
        ],
        d.scorecard,
      ),
    ),
  );

  const mix = (label: string, color: string) =>
    d.categories
      .filter((r) => r.label === label)
      .map((r) => ({ label: String(r.category), value: num(r.share), text: `${pct(r.share)} (${num(r.n)})`, color }));
  const dsatMix = mix('dsat', PALETTE[1]);
  const satMix = mix('sat', PALETTE[2]);
  parts.push(
    section(
      'category-mix',
      'Category mix',
      'Which WildFeedback categories the SAT and DSAT verdicts fall into (a verdict can carry several).',
      `<div class="two"><div><h3>DSAT</h3>${dsatMix.length ? hbars('chart-category-dsat', 'DSAT categories', dsatMix, undefined, 520) : '<p class="empty">No DSAT verdicts.</p>'}</div>` +
        `<div><h3>SAT</h3>${satMix.length ? hbars('chart-category-sat', 'SAT categories', satMix, undefined, 520) : '<p class="empty">No SAT verdicts.</p>'}</div></div>`,
    ),
  );

  const stages = ['train', 'test', ...FILTERS];
  const latest = d.yieldRows[0];
  const yieldByBuilder = new Map<string, Record<string, number>>();
  for (const r of d.yieldRows) yieldByBuilder.set(String(r.builder), { ...(yieldByBuilder.get(String(r.builder)) ?? {}), [String(r.stage)]: num(r.n) });
  parts.push(
    section(
      'pair-yield',
      'Pair yield per builder and filter',
      latest
        ? `Latest release ${latest.name} ${latest.version} (${num(latest.conversations)} conversations): records each builder produced, split into the rows kept (train, test) and those each filter dropped.`
        : 'Records each builder produced and what each filter dropped, per release.',
      (latest
        ? stackedBars('chart-pair-yield', 'Pair yield per builder and filter', stages, [...yieldByBuilder].map(([label, parts]) => ({ label, parts })))
        : '<p class="empty">No release recorded yet (run build, mine or batch).</p>') +
        `<h3>Releases</h3>` +
        table(
          [
            { key: 'name', label: 'name' },
            { key: 'version', label: 'version' },
            { key: 'window_label', label: 'window' },
            { key: 'conversations', label: 'conversations' },
            { key: 'rows_kept', label: 'rows kept' },
            { key: 'built_at', label: 'built (UTC)' },
          ],
          d.releases,
        ),
    ),
  );

  const detectors = [...new Set(d.agreement.flatMap((r) => [String(r.detector_a), String(r.detector_b)]))].sort();
  const agree = new Map(d.agreement.map((r) => [`${r.detector_a}|${r.detector_b}`, { value: num(r.agreement), n: num(r.both_fired) }]));
  parts.push(
    section(
      'detector-agreement',
      'Detector agreement',
      'For each pair of detectors (latest versions) that both gave a label on the same turn, how often the labels agree. Low agreement marks turns worth a judge or a new rule.',
      (detectors.length
        ? heatmap('chart-detector-agreement', 'Detector agreement', detectors, (a, b) => agree.get(`${a}|${b}`) ?? agree.get(`${b}|${a}`) ?? null)
        : '<p class="empty">No two detectors labelled the same turn yet.</p>') +
        '<h3>Detector versions</h3>' +
        table(
          [
            { key: 'detector', label: 'detector' },
            { key: 'detector_version', label: 'version' },
            { key: 'signals', label: 'signals' },
            { key: 'is_latest', label: 'latest', fmt: (v) => (v ? 'yes' : 'no') },
          ],
          d.versions,
        ),
    ),
  );

  parts.push(
    section(
      'plove-calibration',
      'P[Love] calibration',
      'Predicted P[Love] (latest model) in ten bins against the observed Love rate; a calibrated model sits on the dashed diagonal. Dot size shows how many responses a bin holds.',
      d.calibration.length
        ? calibration(
            'chart-plove-calibration',
            'P[Love] calibration',
            d.calibration.map((r) => ({ predicted: num(r.mean_predicted), observed: num(r.love_rate), lo: num(r.love_rate_low), hi: num(r.love_rate_high), n: num(r.responses) })),
          )
        : '<p class="empty">No P[Love] scores in the store (run <code>feedback-miner batch --plove-model FILE</code>).</p>',
    ),
  );

  parts.push(
    section(
      'reward-hacking',
      'Reward-hacking monitor',
      'Patterns that win Love without adding value, per policy version: farewell endings, begging for a reaction, gushing, emoji density.',
      table(
        [
          { key: 'policy_version', label: 'policy' },
          { key: 'responses', label: 'responses' },
          { key: 'farewell_rate', label: 'farewell', fmt: pct },
          { key: 'begging_rate', label: 'begging', fmt: pct },
          { key: 'gushing_rate', label: 'gushing', fmt: pct },
          { key: 'emoji_heavy_rate', label: 'emoji-heavy', fmt: pct },
        ],
        d.hacking,
      ),
    ),
  );

  parts.push(
    section(
      'batches',
      'Batch runs',
      'Finished units per batch window (feedback-miner batch); a window without its release unit has not completed.',
      table(
        [
          { key: 'window_label', label: 'window' },
          { key: 'units', label: 'finished units' },
          { key: 'released', label: 'release built', fmt: (v) => (v ? 'yes' : 'no') },
          { key: 'seconds', label: 'seconds' },
          { key: 'last_finished', label: 'last finished (UTC)' },
        ],
        d.batches,
      ),
    ),
  );

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>feedback-miner report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 4px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}h3{font-size:14px;margin:16px 0 4px}
.meta,.why{color:#4b5563;margin:0 0 8px}.empty{color:#6b7280;font-style:italic}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:120px}
.card .v{font-size:20px;font-weight:600}.card .k{color:#6b7280;font-size:12px}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}th,td{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f9fafb;font-weight:600}
.two{display:flex;flex-wrap:wrap;gap:16px}.two>div{flex:1 1 480px}.two svg{max-width:100%;height:auto}
svg.chart{display:block;max-width:100%;height:auto}svg .ax{font-size:11px;fill:#374151}svg .lg{font-size:12px;fill:#111827}
svg .grid{stroke:#e5e7eb}svg .cell{font-size:12px;font-weight:600;fill:#111827}svg .celln{font-size:10px;fill:#374151}
</style></head>
<body>
<h1>feedback-miner report</h1>
<p class="meta">Store ${esc(d.db)} · generated ${esc(d.generatedAt)} · ${d.totals.turns.toLocaleString('en')} turns</p>
${parts.join('\n')}
</body></html>
`;
}

/** Write the report for a store; the file appears whole (temporary name, then rename). */
export async function runReport(o: { db: string; out: string }): Promise<{ path: string; bytes: number; charts: number }> {
  const store = await openForReport(o.db);
  let html: string;
  try {
    html = renderReport(await collectReportData(store, o.db));
  } finally {
    store.close();
  }
  const path = resolve(o.out);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, html);
  renameSync(tmp, path);
  return { path, bytes: Buffer.byteLength(html), charts: (html.match(/<svg /g) ?? []).length };
}
