/**
 * Test helpers for code that draws charts: read back what an SVG shows, and keep a PNG rendering of it as a
 * test artifact under <repo>/.test-results/plots/ (the folder `npm test` keeps after the run).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { DOMParser, onWarningStopParsing, type Element } from '@xmldom/xmldom';
import { InvalidInputError } from '@audio-concepts/shared-errors';

/** What a chart rendered by this library shows, read back from its SVG. */
export interface SvgSummary {
  width: number;
  height: number;
  /** the text of every <text> element, in document order */
  texts: string[];
  /** chart and panel titles */
  titles: string[];
  axisTitles: string[];
  /** tick labels of every axis */
  axisLabels: string[];
  legendLabels: string[];
  /** the series name of each line drawn (its aria-label), one entry per line path */
  lines: string[];
  /** the series name of each line drawn dashed (a reference line), one entry per line path */
  dashedLines: string[];
  /** how many line paths each series has (1 per series and chart) */
  linesPerSeries: Record<string, number>;
  /** the label of each bar drawn, one entry per bar */
  bars: string[];
}

/** Parses an SVG (throws on any XML error or warning) and summarises what it shows. */
export function inspectSvg(svg: string): SvgSummary {
  const document = new DOMParser({ onError: onWarningStopParsing }).parseFromString(svg, 'image/svg+xml');
  const root = document.documentElement;
  if (!root || root.tagName !== 'svg') throw new InvalidInputError(`not an SVG document: root is ${root?.tagName}`);
  const groups = Array.from(root.getElementsByTagName('g'));
  const withClasses = (...classes: string[]) =>
    groups.filter((group) => {
      const tokens = (group.getAttribute('class') ?? '').split(/\s+/);
      return classes.every((name) => tokens.includes(name));
    });
  const textsIn = (elements: Element[]) =>
    elements.flatMap((element) => Array.from(element.getElementsByTagName('text')).map(textOf));
  const markPaths = (markClass: string) =>
    withClasses(markClass, 'role-mark').flatMap((group) =>
      Array.from(group.childNodes).filter(
        (node): node is Element => node.nodeType === node.ELEMENT_NODE && (node as Element).tagName === 'path',
      ),
    );
  const label = (path: Element) => path.getAttribute('aria-label') ?? '';
  const markLabels = (markClass: string) => markPaths(markClass).map(label);
  const lines = markLabels('mark-line');
  const dashedLines = markPaths('mark-line')
    .filter((path) => isDashed(path.getAttribute('stroke-dasharray')))
    .map(label);
  const linesPerSeries: Record<string, number> = {};
  for (const name of lines) linesPerSeries[name] = (linesPerSeries[name] ?? 0) + 1;
  return {
    width: Number(root.getAttribute('width')),
    height: Number(root.getAttribute('height')),
    texts: Array.from(root.getElementsByTagName('text')).map(textOf),
    titles: textsIn(withClasses('role-title-text')),
    axisTitles: textsIn(withClasses('role-axis-title')),
    axisLabels: textsIn(withClasses('role-axis-label')),
    legendLabels: textsIn(withClasses('role-legend-label')),
    lines,
    dashedLines,
    linesPerSeries,
    bars: markLabels('mark-rect'),
  };
}

/** A dash pattern with a gap ("5,4"); "1,0" (no gap) is a solid line. */
function isDashed(dasharray: string | null): boolean {
  const lengths = (dasharray ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  return lengths.some((length, i) => i % 2 === 1 && length > 0);
}

function textOf(element: Element): string {
  return (element.textContent ?? '').trim();
}

/** A PNG rendering of a chart kept as a test artifact. */
export interface PngArtifact {
  path: string;
  width: number;
  height: number;
  /** distinct RGBA colours in the image (a blank or one-colour image has 1) */
  distinctColours: number;
  /** fraction of the pixels that are not pure white */
  inkFraction: number;
}

/**
 * Renders an SVG to PNG with resvg (system fonts loaded, so the text shows where fonts are installed) and writes
 * it to <repo>/.test-results/plots/<name>.png, or under `directory` when given.
 */
export function writePngArtifact(svg: string, name: string, directory = defaultArtifactDirectory()): PngArtifact {
  if (!/^[\w.-]+$/.test(name))
    throw new InvalidInputError(`artifact name '${name}' may only hold letters, digits, . _ -`);
  const rendered = new Resvg(svg, {
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).render();
  const pixels = rendered.pixels;
  const colours = new Set<number>();
  let ink = 0;
  for (let offset = 0; offset + 3 < pixels.length; offset += 4) {
    const rgba = pixels.readUInt32BE(offset);
    colours.add(rgba);
    if (rgba !== 0xffffffff) ink++;
  }
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${name}.png`);
  writeFileSync(path, rendered.asPng());
  return {
    path,
    width: rendered.width,
    height: rendered.height,
    distinctColours: colours.size,
    inkFraction: ink / (rendered.width * rendered.height),
  };
}

/** <repo>/.test-results/plots, the repository being the nearest folder above this file that holds nx.json. */
export function defaultArtifactDirectory(): string {
  let folder = __dirname;
  while (!existsSync(join(folder, 'nx.json'))) {
    const parent = dirname(folder);
    if (parent === folder)
      throw new InvalidInputError(`no nx.json above ${__dirname}: cannot find the repository root`);
    folder = parent;
  }
  return join(folder, '.test-results', 'plots');
}
