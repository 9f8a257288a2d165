import { writeFile } from 'node:fs/promises';
import { barChartSvg } from '@audio-concepts/shared-plots';

/** One group of the class / file view: its name, its window count and its top concepts by mean prominence. */
export interface ProminenceGroup {
  name: string;
  n: number;
  top: readonly { index: number; label: string; weight: number }[];
}

/**
 * Writes the bar chart of the top concepts of each group (the paper's Figure 3) to `path`: one panel per group,
 * titled with its name and window count, largest concept first.
 */
export async function writeProminenceChart(path: string, title: string, groups: readonly ProminenceGroup[]) {
  const svg = await barChartSvg({
    title,
    valueLabel: 'mean prominence (mean w over the windows)',
    groups: groups.map((group) => ({
      name: `${group.name} (${group.n} window${group.n === 1 ? '' : 's'})`,
      bars: uniqueLabels(group.top).map((concept) => ({ label: concept.label, value: concept.weight })),
    })),
  });
  await writeFile(path, svg);
}

/** A vocabulary may repeat a name; each bar needs its own label, so a repeated one gets its concept index. */
function uniqueLabels<T extends { index: number; label: string }>(concepts: readonly T[]): T[] {
  const counts = new Map<string, number>();
  for (const concept of concepts) counts.set(concept.label, (counts.get(concept.label) ?? 0) + 1);
  return concepts.map((concept) =>
    counts.get(concept.label)! > 1 ? { ...concept, label: `${concept.label} [${concept.index}]` } : concept,
  );
}
