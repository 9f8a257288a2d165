import { InvalidInputError } from '@audio-concepts/shared-errors';
import { renderVegaLiteSvg } from './render';
import type { VegaLiteSpec } from './vega-loader';

export interface LinePoint {
  x: number;
  y: number;
}

export interface LineSeries {
  /** shown in the colour legend; unique within a chart */
  name: string;
  points: readonly LinePoint[];
  /** a line to compare the others with (e.g. the dense figure): drawn dashed and under them, where they meet */
  reference?: boolean;
}

export interface LineChart {
  title: string;
  x: { label: string; /** a logarithmic x axis (every x must be > 0) */ log?: boolean };
  /** `domain` fixes the y axis range, e.g. [0, 1] for an accuracy */
  y: { label: string; domain?: readonly [number, number] };
  series: readonly LineSeries[];
  /** plot area in pixels (default 360 × 240) */
  width?: number;
  height?: number;
}

/** One line (with a point at each value) per series, coloured by series, with a legend naming them. */
export function lineChartSvg(chart: LineChart): Promise<string> {
  return renderVegaLiteSvg(lineChartSpec(chart));
}

/** Several line charts stacked vertically in one SVG (e.g. accuracy, mean L0 and mean cosine against λ). */
export function lineChartsSvg(charts: readonly LineChart[]): Promise<string> {
  if (charts.length === 0) throw new InvalidInputError('lineChartsSvg: no charts to draw');
  if (charts.length === 1) return lineChartSvg(charts[0]);
  return renderVegaLiteSvg({
    vconcat: charts.map((chart) => lineChartSpec(chart)),
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  } as VegaLiteSpec);
}

function lineChartSpec(chart: LineChart): VegaLiteSpec {
  checkLineChart(chart);
  // reference series first: lines are drawn in data order, so the others stay visible where they meet
  const ordered = [...chart.series.filter((s) => s.reference), ...chart.series.filter((s) => !s.reference)];
  const values = ordered.flatMap((series) =>
    series.points.map((point) => ({ series: series.name, x: point.x, y: point.y, reference: !!series.reference })),
  );
  return {
    title: chart.title,
    width: chart.width ?? 360,
    height: chart.height ?? 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: chart.x.label,
        scale: chart.x.log ? { type: 'log' } : { zero: false },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: chart.y.label,
        scale: chart.y.domain ? { domain: [...chart.y.domain] } : { zero: false },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        // legend and colours in the caller's order, not alphabetical
        scale: { domain: chart.series.map((series) => series.name) },
      },
      strokeDash: {
        field: 'reference',
        type: 'nominal',
        scale: {
          domain: [false, true],
          range: [
            [1, 0],
            [5, 4],
          ],
        },
        legend: null,
      },
      // the SVG's aria-label of each line (and point) is its series name
      description: { field: 'series', type: 'nominal' },
    },
  } as VegaLiteSpec;
}

function checkLineChart(chart: LineChart): void {
  const where = `line chart '${chart.title}'`;
  if (chart.series.length === 0) throw new InvalidInputError(`${where}: no series to draw`);
  const names = new Set<string>();
  for (const series of chart.series) {
    if (names.has(series.name)) throw new InvalidInputError(`${where}: series '${series.name}' appears twice`);
    names.add(series.name);
    for (const { x, y } of series.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y))
        throw new InvalidInputError(`${where}: series '${series.name}' has a non-finite point (${x}, ${y})`);
      if (chart.x.log && x <= 0)
        throw new InvalidInputError(`${where}: series '${series.name}' has x = ${x}, but a log axis needs x > 0`);
    }
  }
}
