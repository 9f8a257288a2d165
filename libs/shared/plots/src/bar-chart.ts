import { InvalidInputError } from '@audio-concepts/shared-errors';
import { renderVegaLiteSvg } from './render';
import type { VegaLiteSpec } from './vega-loader';

export interface Bar {
  label: string;
  value: number;
}

export interface BarGroup {
  /** the panel's title (a class, a file, …) */
  name: string;
  /** drawn top to bottom in this order; may be empty (an empty panel) */
  bars: readonly Bar[];
}

export interface BarChart {
  title: string;
  groups: readonly BarGroup[];
  /** the title of the value (x) axis */
  valueLabel: string;
  /** width of the value axis in pixels (default 300) */
  width?: number;
}

const BAR_HEIGHT = 16;

/**
 * Horizontal bars, one small panel per group stacked vertically, all sharing one value axis scale (e.g. the top
 * concepts of each class: the paper's Figure 3).
 */
export function barChartSvg(chart: BarChart): Promise<string> {
  checkBarChart(chart);
  return renderVegaLiteSvg({
    title: chart.title,
    vconcat: chart.groups.map((group) => ({
      title: { text: group.name, anchor: 'start', frame: 'group', fontSize: 12 },
      width: chart.width ?? 300,
      height: BAR_HEIGHT * Math.max(1, group.bars.length),
      data: { values: group.bars.map((bar) => ({ label: bar.label, value: bar.value })) },
      mark: 'bar',
      encoding: {
        // sort: null keeps the caller's order (e.g. largest first)
        y: { field: 'label', type: 'nominal', title: null, sort: null },
        x: { field: 'value', type: 'quantitative', title: chart.valueLabel },
        description: { field: 'label', type: 'nominal' },
      },
    })),
    resolve: { scale: { x: 'shared' } },
  } as VegaLiteSpec);
}

function checkBarChart(chart: BarChart): void {
  const where = `bar chart '${chart.title}'`;
  if (chart.groups.length === 0) throw new InvalidInputError(`${where}: no groups to draw`);
  for (const group of chart.groups) {
    const labels = new Set<string>();
    for (const bar of group.bars) {
      if (!Number.isFinite(bar.value))
        throw new InvalidInputError(`${where}: bar '${bar.label}' of group '${group.name}' is ${bar.value}`);
      // vega-lite would silently merge two bars with one label into one band
      if (labels.has(bar.label))
        throw new InvalidInputError(`${where}: label '${bar.label}' appears twice in group '${group.name}'`);
      labels.add(bar.label);
    }
  }
}
