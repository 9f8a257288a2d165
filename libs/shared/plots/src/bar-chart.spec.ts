import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { barChartSvg, type BarChart } from './index';
import { inspectSvg, writePngArtifact } from './testing';

const TOP_CONCEPTS: BarChart = {
  title: 'Top concepts per class',
  valueLabel: 'mean prominence',
  groups: [
    {
      name: 'dog',
      bars: [
        { label: 'bark', value: 0.4 },
        { label: 'growl', value: 0.2 },
        { label: 'howl', value: 0.1 },
      ],
    },
    {
      name: 'rain',
      bars: [
        { label: 'water', value: 0.5 },
        { label: 'patter', value: 0.3 },
      ],
    },
    { name: 'silence', bars: [] },
  ],
};

describe('barChartSvg', () => {
  it('draws one bar per (group, label), a titled panel per group and the value axis title', async () => {
    const summary = inspectSvg(await barChartSvg(TOP_CONCEPTS));

    expect(summary.bars).toEqual(['bark', 'growl', 'howl', 'water', 'patter']);
    expect(summary.titles).toEqual(['dog', 'rain', 'silence', 'Top concepts per class']); // document order
    expect(summary.axisLabels).toEqual(expect.arrayContaining(['bark', 'growl', 'howl', 'water', 'patter']));
    expect(summary.axisTitles).toContain('mean prominence');
  });

  it('keeps a PNG rendering that is more than one colour', async () => {
    const png = writePngArtifact(await barChartSvg(TOP_CONCEPTS), 'shared-plots-bar-chart');

    expect(png.width).toBeGreaterThan(300);
    expect(png.distinctColours).toBeGreaterThan(3);
    expect(png.inkFraction).toBeGreaterThan(0.01);
  });

  it('rejects duplicate labels in a group, non-finite values and a chart without groups', () => {
    const bark = { label: 'bark', value: 0.4 };
    expect(() => barChartSvg({ ...TOP_CONCEPTS, groups: [{ name: 'dog', bars: [bark, bark] }] })).toThrow(
      /appears twice/,
    );
    expect(() =>
      barChartSvg({ ...TOP_CONCEPTS, groups: [{ name: 'dog', bars: [{ label: 'x', value: Infinity }] }] }),
    ).toThrow(InvalidInputError);
    expect(() => barChartSvg({ ...TOP_CONCEPTS, groups: [] })).toThrow(/no groups/);
  });
});
