import { MEASURES, type MeasureDefinition, type WindowMeasures } from './measures';
import type { Familiarity } from './sounds';

/** One measured window. */
export interface MeasuredWindow {
  category: string;
  familiarity: Familiarity;
  file: string;
  startS: number;
  /** e.g. "siren 0.51; white noise 0.43" */
  top: string;
  measures: WindowMeasures;
}

/** The value at quantile `p` (nearest rank) of `values`, which must not be empty. */
function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
}

const digits = (m: MeasureDefinition) => (m.key === 'l0' ? 0 : 3);
const percent = (part: number, whole: number) =>
  whole === 0 ? '–' : `${((100 * part) / whole).toFixed(part > 0 && part < whole / 10 ? 1 : 0)} %`;

function categoriesOf(windows: readonly MeasuredWindow[]): string[] {
  return [...new Set(windows.map((w) => w.category))];
}

/** Markdown: per category, n windows and min / median / max of each measure. */
export function distributionTable(windows: readonly MeasuredWindow[]): string {
  const measures = MEASURES.filter((m) => windows.some((w) => !Number.isNaN(w.measures[m.key])));
  const header = `| category | n | ${measures.map((m) => m.label).join(' | ')} |`;
  const rule = `| --- | ---: | ${measures.map(() => ':---:').join(' | ')} |`;
  const rows = categoriesOf(windows).map((category) => {
    const mine = windows.filter((w) => w.category === category);
    const cells = measures.map((m) => {
      const values = mine.map((w) => w.measures[m.key]).filter((v) => !Number.isNaN(v));
      if (values.length === 0) return '–';
      return [0, 0.5, 1].map((p) => quantile(values, p).toFixed(digits(m))).join(' / ');
    });
    return `| ${category} | ${mine.length} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}

/** Whether `value` says "unknown" at `threshold` for a measure pointing `m.unknownWhen`. */
function flags(m: MeasureDefinition, value: number, threshold: number): boolean {
  return m.unknownWhen === 'low' ? value < threshold : value > threshold;
}

/**
 * The threshold of `m` that flags at most `falseRate` of the known windows (the strictest such: just past the
 * known value at that rank), or undefined when there are no known windows.
 */
export function thresholdFor(m: MeasureDefinition, known: readonly number[], falseRate: number): number | undefined {
  if (known.length === 0) return undefined;
  const sorted = [...known].sort((a, b) => (m.unknownWhen === 'low' ? a - b : b - a));
  // At most ⌊rate·n⌋ known values may lie beyond the threshold; it sits at the next one.
  return sorted[Math.floor(falseRate * known.length)];
}

/**
 * Markdown: for each measure, the threshold that flags at most `falseRate` of the known windows, and the share of
 * each unknown category's windows it flags. A measure separates when those shares are high.
 */
export function separationTable(windows: readonly MeasuredWindow[], falseRate: number): string {
  const unknown = categoriesOf(windows.filter((w) => w.familiarity === 'unknown'));
  const known = windows.filter((w) => w.familiarity === 'known');
  const header = `| measure | unknown when | flags ≤ ${(100 * falseRate).toFixed(0)} % known | ${unknown.join(' | ')} |`;
  const rule = `| --- | --- | ---: | ${unknown.map(() => '---:').join(' | ')} |`;
  const rows = MEASURES.flatMap((m) => {
    const values = known.map((w) => w.measures[m.key]).filter((v) => !Number.isNaN(v));
    const threshold = thresholdFor(m, values, falseRate);
    if (threshold === undefined) return [];
    const cells = unknown.map((category) => {
      const mine = windows.filter((w) => w.category === category);
      return percent(mine.filter((w) => flags(m, w.measures[m.key], threshold)).length, mine.length);
    });
    const sign = m.unknownWhen === 'low' ? '<' : '>';
    return [
      `| ${m.label} | ${sign} ${threshold.toFixed(digits(m))} | ${percent(values.filter((v) => flags(m, v, threshold)).length, values.length)} | ${cells.join(' | ')} |`,
    ];
  });
  return [header, rule, ...rows].join('\n');
}

/** Markdown: the share of each category's windows that `fit < threshold` marks unknown. */
export function thresholdTable(windows: readonly MeasuredWindow[], threshold: number): string {
  const header = `| category | n | fit < ${threshold} (marked unknown) |`;
  const rule = '| --- | ---: | ---: |';
  const rows = categoriesOf(windows).map((category) => {
    const mine = windows.filter((w) => w.category === category);
    const marked = mine.filter((w) => w.measures.fit < threshold).length;
    return `| ${category} | ${mine.length} | ${marked} (${percent(marked, mine.length)}) |`;
  });
  const known = windows.filter((w) => w.familiarity === 'known');
  const falseUnknown = known.filter((w) => w.measures.fit < threshold).length;
  rows.push(
    `| **all known (false unknown)** | ${known.length} | ${falseUnknown} (${percent(falseUnknown, known.length)}) |`,
  );
  return [header, rule, ...rows].join('\n');
}

/** The lowest-fit known windows and the highest-fit unknown ones: where the two meet. */
export function borderLines(windows: readonly MeasuredWindow[], count: number): string {
  const line = (w: MeasuredWindow) =>
    `  fit ${w.measures.fit.toFixed(3)}  cos ${w.measures.cosine.toFixed(3)}  ${w.category}: ${w.file} @ ${w.startS} s  → ${w.top}`;
  const byFit = (a: MeasuredWindow, b: MeasuredWindow) => a.measures.fit - b.measures.fit;
  const known = windows
    .filter((w) => w.familiarity === 'known')
    .sort(byFit)
    .slice(0, count);
  const unknown = windows
    .filter((w) => w.familiarity === 'unknown')
    .sort(byFit)
    .reverse()
    .slice(0, count);
  return [
    'lowest fit among known windows:',
    ...known.map(line),
    'highest fit among unknown windows:',
    ...unknown.map(line),
  ].join('\n');
}
