import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { lineChartsSvg, lineChartSvg, type LineChart } from './index';
import { inspectSvg, writePngArtifact } from './testing';

const LAMBDAS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5];

function sweepChart(): LineChart {
  return {
    title: 'Zero-shot accuracy',
    x: { label: 'lambda', log: true },
    y: { label: 'accuracy', domain: [0, 1] },
    series: [
      { name: 'baseline', points: LAMBDAS.map((x, i) => ({ x, y: 0.8 - 0.1 * i })) },
      { name: 'pruned', points: LAMBDAS.map((x, i) => ({ x, y: 0.7 - 0.05 * i })) },
      { name: 'clustered', points: LAMBDAS.map((x, i) => ({ x, y: 0.6 - 0.02 * i })) },
    ],
  };
}

describe('lineChartSvg', () => {
  it('draws one line per series with both axis titles and a legend naming every series', async () => {
    const summary = inspectSvg(await lineChartSvg(sweepChart()));

    expect(summary.titles).toEqual(['Zero-shot accuracy']);
    expect(summary.axisTitles).toEqual(['lambda', 'accuracy']);
    expect(summary.linesPerSeries).toEqual({ baseline: 1, pruned: 1, clustered: 1 });
    expect(summary.legendLabels).toEqual(['baseline', 'pruned', 'clustered']);
    // the fixed y domain [0, 1] and the log x axis over 0.01 … 0.5
    expect(summary.axisLabels).toEqual(expect.arrayContaining(['0.0', '1.0', '0.01', '0.1']));
    expect(summary.width).toBeGreaterThan(360);
  });

  it('draws a reference series dashed and first, so a series equal to it stays visible on top', async () => {
    const chart = sweepChart();
    const summary = inspectSvg(
      await lineChartSvg({
        ...chart,
        series: [...chart.series, { name: 'dense', reference: true, points: chart.series[0].points }],
      }),
    );

    expect(summary.lines).toEqual(['dense', 'baseline', 'pruned', 'clustered']);
    expect(summary.dashedLines).toEqual(['dense']);
    expect(summary.legendLabels).toEqual(['baseline', 'pruned', 'clustered', 'dense']);
  });

  it('keeps a PNG rendering that is more than one colour', async () => {
    const png = writePngArtifact(await lineChartSvg(sweepChart()), 'shared-plots-line-chart');

    expect(png.path).toMatch(/\.test-results\/plots\/shared-plots-line-chart\.png$/);
    expect(png.width).toBeGreaterThan(360);
    expect(png.height).toBeGreaterThan(240);
    expect(png.distinctColours).toBeGreaterThan(3);
    expect(png.inkFraction).toBeGreaterThan(0.01);
  });

  it('stacks several charts in one SVG, each with its own axes and lines', async () => {
    const accuracy = sweepChart();
    const sparsity: LineChart = {
      title: 'Mean L0',
      x: { label: 'lambda', log: true },
      y: { label: 'mean L0' },
      series: [{ name: 'baseline', points: LAMBDAS.map((x, i) => ({ x, y: 20 - 3 * i })) }],
    };
    const svg = await lineChartsSvg([accuracy, sparsity]);
    const summary = inspectSvg(svg);

    expect(summary.titles).toEqual(['Zero-shot accuracy', 'Mean L0']);
    expect(summary.axisTitles).toEqual(['lambda', 'accuracy', 'lambda', 'mean L0']);
    expect(summary.lines).toEqual(['baseline', 'pruned', 'clustered', 'baseline']);
    expect(writePngArtifact(svg, 'shared-plots-line-charts').distinctColours).toBeGreaterThan(3);
  });

  it('rejects a chart that cannot be drawn truthfully', async () => {
    const chart = sweepChart();
    expect(() => lineChartSvg({ ...chart, series: [] })).toThrow(InvalidInputError);
    expect(() => lineChartSvg({ ...chart, series: [chart.series[0], chart.series[0]] })).toThrow(/appears twice/);
    expect(() => lineChartSvg({ ...chart, series: [{ name: 'a', points: [{ x: 0, y: 1 }] }] })).toThrow(/log axis/);
    expect(() => lineChartSvg({ ...chart, series: [{ name: 'a', points: [{ x: 1, y: NaN }] }] })).toThrow(/non-finite/);
    expect(() => lineChartsSvg([])).toThrow(InvalidInputError);
  });
});
