import type { OfflineDriftReport, OfflineDriftTraces } from '@audio-concepts/metrics-drift';

const WIDTH = 800;
const LEFT = 60;
const RIGHT = 20;
const COLORS = ['#d62728', '#1f77b4', '#2ca02c'];
/** at most this many points per line (longer traces are thinned evenly) */
const MAX_POINTS = 1000;

interface Panel {
  top: number;
  height: number;
  max: number;
}

/**
 * A small SVG of an offline drift report over the current frames: on top the moving activation rate of the top
 * changed concepts (solid) against their reference rate (dashed); below the change-point scan, whose maximum is
 * the change index (the red line through both).
 */
export function driftSvg(report: OfflineDriftReport, traces: OfflineDriftTraces): string {
  const n = report.nCurrent;
  const x = (t: number) => LEFT + ((WIDTH - LEFT - RIGHT) * t) / Math.max(1, n - 1);
  const rates: Panel = {
    top: 50,
    height: 160,
    max: Math.max(0.05, ...traces.concepts.flatMap((c) => [c.referenceRate, ...c.rate])) * 1.1,
  };
  const scan: Panel = { top: 260, height: 120, max: Math.max(1e-9, ...traces.scan) * 1.1 };
  const y = (p: Panel, v: number) => p.top + p.height - (p.height * v) / p.max;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="420" viewBox="0 0 ${WIDTH} 420" ` +
      `font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="420" fill="white"/>`,
    text(
      LEFT,
      22,
      `drift: ${report.drift ? 'yes' : 'no'}: statistic ${report.statistic.toFixed(2)} ` +
        `${report.drift ? '>' : '≤'} threshold ${report.threshold.toFixed(2)} (alpha ${report.alpha}; ` +
        `${report.nReference} reference frames, ${report.nCurrent} current)`,
      'bold',
    ),
  );
  out.push(...axes(rates, n, `activation rate (last ${traces.window} frames)`, x, (v) => v.toFixed(2)));
  traces.concepts.forEach((c, i) => {
    const color = COLORS[i % COLORS.length];
    out.push(
      `<line x1="${x(0)}" x2="${x(n - 1)}" y1="${y(rates, c.referenceRate)}" y2="${y(rates, c.referenceRate)}" ` +
        `stroke="${color}" stroke-dasharray="4 3"/>`,
      polyline(
        c.rate,
        (t) => x(t),
        (v) => y(rates, v),
        color,
      ),
      text(WIDTH - RIGHT - 220, rates.top + 14 + 15 * i, `${c.label}: ${c.referenceRate.toFixed(3)} → now`, '', color),
    );
  });
  if (traces.concepts.length === 0) out.push(text(LEFT + 10, rates.top + 20, 'no concept changed at this alpha'));
  out.push(...axes(scan, n, 'change-point scan', x, (v) => v.toPrecision(3)));
  if (traces.scan.length > 0)
    out.push(
      polyline(
        traces.scan,
        (t) => x(t),
        (v) => y(scan, v),
        '#555555',
      ),
    );
  else out.push(text(LEFT + 10, scan.top + 20, 'no drift: no change point'));
  if (report.changeIndex !== null) {
    const cx = x(report.changeIndex);
    out.push(
      `<line x1="${cx}" x2="${cx}" y1="${rates.top}" y2="${scan.top + scan.height}" stroke="#d62728" stroke-width="1.5"/>`,
      text(cx + 4, scan.top + scan.height + 30, `change at current frame ${report.changeIndex}`, '', '#d62728'),
    );
  }
  out.push(text(LEFT, 412, 'current frame →'));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function axes(p: Panel, n: number, title: string, x: (t: number) => number, format: (v: number) => string): string[] {
  const bottom = p.top + p.height;
  return [
    `<line x1="${LEFT}" x2="${LEFT}" y1="${p.top}" y2="${bottom}" stroke="black"/>`,
    `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${bottom}" y2="${bottom}" stroke="black"/>`,
    text(LEFT, p.top - 8, title, 'bold'),
    text(LEFT - 6, p.top + 4, format(p.max), '', 'black', 'end'),
    text(LEFT - 6, bottom + 4, '0', '', 'black', 'end'),
    text(x(0), bottom + 16, '0', '', 'black', 'middle'),
    text(x(n - 1), bottom + 16, String(n - 1), '', 'black', 'middle'),
  ];
}

function polyline(
  values: readonly number[],
  x: (t: number) => number,
  y: (v: number) => number,
  color: string,
): string {
  const step = Math.max(1, Math.ceil(values.length / MAX_POINTS));
  const points: string[] = [];
  for (let t = 0; t < values.length; t += step) points.push(`${x(t).toFixed(1)},${y(values[t]).toFixed(1)}`);
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.join(' ')}"/>`;
}

function text(x: number, y: number, content: string, weight = '', color = 'black', anchor = 'start'): string {
  const bold = weight ? ` font-weight="${weight}"` : '';
  return `<text x="${x}" y="${y}" fill="${color}" text-anchor="${anchor}"${bold}>${escapeXml(content)}</text>`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
