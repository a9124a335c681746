// Hand-written inline SVG charts for the HTML report: no scripts, no external assets, so the page renders the
// same offline. Each function returns one <svg> string; every label is escaped.

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const pct = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;
const f = (x: number) => (Math.round(x * 10) / 10).toString();
/** Axis top for a rate: the next multiple of 0.2 (or 0.05 below 0.2), so the five gridlines fall on round values. */
const niceRateMax = (v: number) => (v <= 0.2 ? Math.max(0.05, Math.ceil(v * 20 - 1e-9) / 20) : Math.min(1, Math.ceil(v * 5 - 1e-9) / 5));

function svgOpen(id: string, w: number, h: number, title: string): string {
  return `<svg id="${esc(id)}" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(title)}">`;
}

function legend(names: string[], x: number, y: number): string {
  return names
    .map((n, i) => `<g transform="translate(${x},${y + i * 18})"><rect width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="18" y="10" class="lg">${esc(n)}</text></g>`)
    .join('');
}

export interface RatePoint {
  x: string;
  y: number;
  lo: number | null;
  hi: number | null;
  n: number;
}

/** Rates over ordered categories (days), one line per series, with Wilson interval bars. */
export function rateLines(id: string, title: string, series: { name: string; points: RatePoint[] }[]): string {
  const w = 760;
  const h = 300;
  const m = { l: 48, r: 190, t: 16, b: 48 };
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort();
  const yMax = niceRateMax(Math.max(...series.flatMap((s) => s.points.map((p) => p.hi ?? p.y))));
  // Days sit on a time axis (a missing day leaves a gap); other categories are evenly spaced.
  const times = xs.map((x) => Date.parse(x));
  const timed = times.every((t) => !Number.isNaN(t));
  const frac = (x: string) =>
    xs.length === 1 ? 0.5 : timed ? (Date.parse(x) - times[0]) / (times[times.length - 1] - times[0]) : xs.indexOf(x) / (xs.length - 1);
  const px = (x: string) => m.l + frac(x) * (w - m.l - m.r);
  const py = (y: number) => m.t + (1 - y / yMax) * (h - m.t - m.b);
  const out = [svgOpen(id, w, h, title)];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    out.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${f(py(y))}" y2="${f(py(y))}" class="grid"/><text x="${m.l - 6}" y="${f(py(y) + 4)}" class="ax" text-anchor="end">${pct(y)}</text>`);
  }
  xs.forEach((x) => out.push(`<text x="${f(px(x))}" y="${h - m.b + 18}" class="ax" text-anchor="middle">${esc(x)}</text>`));
  series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const pts = [...s.points].sort((a, b) => (a.x < b.x ? -1 : 1));
    const dx = (i - (series.length - 1) / 2) * 4; // spread overlapping interval bars
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${f(px(p.x) + dx)},${f(py(p.y))}`).join(' ')}"/>`);
    for (const p of pts) {
      const x = px(p.x) + dx;
      if (p.lo !== null && p.hi !== null) out.push(`<line x1="${f(x)}" x2="${f(x)}" y1="${f(py(p.hi))}" y2="${f(py(p.lo))}" stroke="${c}" stroke-opacity="0.45" stroke-width="3"/>`);
      out.push(`<circle cx="${f(x)}" cy="${f(py(p.y))}" r="4" fill="${c}"><title>${esc(`${s.name} ${p.x}: ${pct(p.y)} of ${p.n} (95% ${p.lo === null ? '' : pct(p.lo)}–${p.hi === null ? '' : pct(p.hi)})`)}</title></circle>`);
    }
  });
  out.push(legend(series.map((s) => s.name), w - m.r + 16, m.t));
  out.push('</svg>');
  return out.join('');
}

/** Horizontal bars with a value label; `max` defaults to the largest value. */
export function hbars(id: string, title: string, bars: { label: string; value: number; text: string; color?: string }[], max?: number, w = 760): string {
  const row = 22;
  const labelW = 150;
  const h = bars.length * row + 12;
  const top = max ?? Math.max(1e-9, ...bars.map((b) => b.value));
  const out = [svgOpen(id, w, h, title)];
  bars.forEach((b, i) => {
    const y = 6 + i * row;
    const bw = (b.value / top) * (w - labelW - 100);
    out.push(`<text x="${labelW - 8}" y="${y + 14}" class="ax" text-anchor="end">${esc(b.label)}</text>`);
    out.push(`<rect x="${labelW}" y="${y + 2}" width="${f(Math.max(bw, 1))}" height="${row - 6}" fill="${b.color ?? PALETTE[0]}"><title>${esc(`${b.label}: ${b.text}`)}</title></rect>`);
    out.push(`<text x="${f(labelW + bw + 6)}" y="${y + 14}" class="ax">${esc(b.text)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** One horizontal stacked bar per row; parts share names (and colours) across rows. */
export function stackedBars(id: string, title: string, partNames: string[], rows: { label: string; parts: Record<string, number> }[]): string {
  const row = 26;
  const w = 760;
  const labelW = 190;
  const legendH = Math.ceil(partNames.length / 4) * 18 + 8;
  const h = rows.length * row + legendH + 8;
  const max = Math.max(1, ...rows.map((r) => partNames.reduce((n, p) => n + (r.parts[p] ?? 0), 0)));
  const span = w - labelW - 70;
  const out = [svgOpen(id, w, h, title)];
  rows.forEach((r, i) => {
    const y = 4 + i * row;
    let x = labelW;
    let total = 0;
    out.push(`<text x="${labelW - 8}" y="${y + 15}" class="ax" text-anchor="end">${esc(r.label)}</text>`);
    partNames.forEach((p, j) => {
      const v = r.parts[p] ?? 0;
      total += v;
      if (v <= 0) return;
      const bw = (v / max) * span;
      out.push(`<rect x="${f(x)}" y="${y + 2}" width="${f(bw)}" height="${row - 8}" fill="${PALETTE[j % PALETTE.length]}"><title>${esc(`${r.label} — ${p}: ${v}`)}</title></rect>`);
      x += bw;
    });
    out.push(`<text x="${f(x + 6)}" y="${y + 15}" class="ax">${total}</text>`);
  });
  partNames.forEach((p, j) => {
    const lx = labelW + (j % 4) * 140;
    const ly = rows.length * row + 10 + Math.floor(j / 4) * 18;
    out.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${PALETTE[j % PALETTE.length]}"/><text x="${lx + 18}" y="${ly + 10}" class="lg">${esc(p)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** Square matrix of pairwise agreement; empty cells where a pair never both fired. */
export function heatmap(id: string, title: string, labels: string[], cell: (a: string, b: string) => { value: number; n: number } | null): string {
  const c = 64;
  const left = 110;
  const top = 90;
  const w = left + labels.length * c + 90; // room for the last rotated column label
  const h = top + labels.length * c + 10;
  const out = [svgOpen(id, w, h, title)];
  labels.forEach((l, i) => {
    out.push(`<text x="${left - 8}" y="${top + i * c + c / 2 + 4}" class="ax" text-anchor="end">${esc(l)}</text>`);
    out.push(`<text transform="translate(${left + i * c + c / 2},${top - 8}) rotate(-40)" class="ax">${esc(l)}</text>`);
  });
  labels.forEach((a, i) =>
    labels.forEach((b, j) => {
      const x = left + j * c;
      const y = top + i * c;
      if (a === b) {
        out.push(`<rect x="${x}" y="${y}" width="${c - 2}" height="${c - 2}" fill="#e5e7eb"/>`);
        return;
      }
      const v = cell(a, b);
      if (!v) {
        out.push(`<rect x="${x}" y="${y}" width="${c - 2}" height="${c - 2}" fill="#f9fafb" stroke="#e5e7eb"/>`);
        return;
      }
      // Red (disagree) to green (agree) through pale yellow.
      const hue = Math.round(v.value * 120);
      out.push(`<rect x="${x}" y="${y}" width="${c - 2}" height="${c - 2}" fill="hsl(${hue},70%,${f(75 - 20 * Math.abs(v.value - 0.5))}%)"><title>${esc(`${a} vs ${b}: agree on ${pct(v.value)} of ${v.n} turns`)}</title></rect>`);
      out.push(`<text x="${x + c / 2 - 1}" y="${y + c / 2 - 2}" class="cell" text-anchor="middle">${pct(v.value)}</text><text x="${x + c / 2 - 1}" y="${y + c / 2 + 12}" class="celln" text-anchor="middle">n=${v.n}</text>`);
    }),
  );
  out.push('</svg>');
  return out.join('');
}

/** Reliability diagram: mean predicted probability per bin against the observed rate, with Wilson bars. */
export function calibration(id: string, title: string, bins: { predicted: number; observed: number; lo: number; hi: number; n: number }[]): string {
  const w = 420;
  const h = 380;
  const m = { l: 52, r: 16, t: 16, b: 48 };
  const top = niceRateMax(Math.max(...bins.flatMap((b) => [b.predicted, b.hi])));
  const px = (x: number) => m.l + (x / top) * (w - m.l - m.r);
  const py = (y: number) => m.t + (1 - y / top) * (h - m.t - m.b);
  const out = [svgOpen(id, w, h, title)];
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    out.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${f(py(v))}" y2="${f(py(v))}" class="grid"/><text x="${m.l - 6}" y="${f(py(v) + 4)}" class="ax" text-anchor="end">${pct(v)}</text>`);
    out.push(`<text x="${f(px(v))}" y="${h - m.b + 18}" class="ax" text-anchor="middle">${pct(v)}</text>`);
  }
  out.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${f(px(top))}" y2="${f(py(top))}" stroke="#9ca3af" stroke-dasharray="4 4"/>`);
  out.push(`<text x="${(w + m.l) / 2}" y="${h - 8}" class="ax" text-anchor="middle">predicted P[Love]</text>`);
  out.push(`<text transform="translate(14,${(h - m.b) / 2}) rotate(-90)" class="ax" text-anchor="middle">observed Love rate</text>`);
  const maxN = Math.max(1, ...bins.map((b) => b.n));
  for (const b of bins) {
    out.push(`<line x1="${f(px(b.predicted))}" x2="${f(px(b.predicted))}" y1="${f(py(b.hi))}" y2="${f(py(b.lo))}" stroke="${PALETTE[0]}" stroke-opacity="0.45" stroke-width="3"/>`);
    out.push(`<circle cx="${f(px(b.predicted))}" cy="${f(py(b.observed))}" r="${f(3 + 6 * Math.sqrt(b.n / maxN))}" fill="${PALETTE[0]}" fill-opacity="0.8"><title>${esc(`predicted ${pct(b.predicted)}, observed ${pct(b.observed)} of ${b.n}`)}</title></circle>`);
  }
  out.push('</svg>');
  return out.join('');
}
