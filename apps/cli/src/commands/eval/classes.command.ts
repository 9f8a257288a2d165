import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { groupProminence, type GroupProminence } from '@audio-concepts/decomposer-concepts';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { asFloat64Matrix, asIntVector, readNpy } from '@audio-concepts/shared-npy';
import { UsageError } from '../../cli-error';
import { readConceptNames } from '../../concept-names';
import { parseLambda, parsePositiveInt } from '../../options';
import { writeProminenceChart } from '../../prominence-chart';
import { openEvalSpace, withSpaceOptions, type EvalSpaceOptions } from './eval-space';

interface ClassesOptions extends EvalSpaceOptions {
  audio: string;
  /** one name per row of --concepts; default: the space's names (concept_0, concept_1, … for --concepts) */
  conceptNames?: string;
  labels: string;
  classNames?: string;
  lambda: number;
  top: number;
  json?: boolean;
  svg?: string;
}

/** Concepts listed per class unless --top says otherwise. */
const DEFAULT_TOP = 10;

export function classesCommand(): Command {
  return withSpaceOptions(
    new Command('classes')
      .description(
        'The class view of DESIGN §1: the mean prominence of each concept over the audio rows of each class (a row ' +
          'where a concept has weight 0 counts as 0), then the top concepts of each class, as a table, JSON or an ' +
          "SVG bar chart (the paper's Figure 3). Classes without rows are listed with n = 0.",
      )
      .requiredOption('--audio <A.npy>', 'audio embeddings, n × d (`embed AUDIO… --out A.npy`)')
      .requiredOption('--labels <y.npy>', 'class index of each audio row (int32/int64, 0 … k−1), length n')
      .option(
        '--class-names <FILE>',
        'one class name per line, in class-index order (`embed --labels` writes <out>.names.txt); their count is the ' +
          'number of classes (default: "class 0", "class 1", … up to the largest label)',
      )
      .option('--concept-names <FILE>', 'one name per row of --concepts (`embed --vocab` writes <out>.names.txt)'),
    'its C, m_a and names',
  )
    .requiredOption('--lambda <L>', 'L1 penalty λ', parseLambda)
    .option('--head <DIR>', 'fine-tuned projection head (train-head --out DIR), as in `eval zero-shot`')
    .option('--top <K>', 'concepts listed per class', parsePositiveInt, DEFAULT_TOP)
    .option(
      '--json',
      'print one JSON object: {"lambda","n","concepts","groups":[{"group","index","n","top":[{"label","weight"}]}]}',
    )
    .option('--svg <FILE>', 'also write the bar chart of the top concepts of each class to FILE')
    .option('--threads <N>', 'solver and GEMM threads (default: all cores)', parsePositiveInt)
    .exitOverride()
    .action(async (options: ClassesOptions) => runClasses(options));
}

async function runClasses(options: ClassesOptions): Promise<void> {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const audio = asFloat64Matrix(await readNpy(options.audio), options.audio);
  const labels = asIntVector(await readNpy(options.labels), options.labels);
  if (labels.length !== audio.rows)
    throw new InvalidInputError(`--labels ${options.labels}: ${labels.length} labels for ${audio.rows} audio rows`);
  const negative = labels.findIndex((label) => label < 0);
  if (negative >= 0)
    throw new InvalidInputError(`--labels ${options.labels}: row ${negative} has class ${labels[negative]} (< 0)`);
  const classNames = options.classNames
    ? await readClassNames(options.classNames, labels)
    : Array.from({ length: labels.reduce((max, label) => Math.max(max, label + 1), 0) }, (_, k) => `class ${k}`);

  if (options.space && options.conceptNames)
    throw new UsageError('--space carries its concept names: drop --concept-names');

  const { space, project, close } = await openEvalSpace(options);
  let groups: GroupProminence[];
  try {
    const names = options.conceptNames ? await readConceptNames(options.conceptNames, space.c) : space.names;
    say(`decomposing ${audio.rows} audio rows over ${space.c} concepts (λ = ${options.lambda})…`);
    const decomposition = await space.decompose(project(audio), audio.rows, { lambda: options.lambda });
    groups = groupProminence({
      weightsNxC: decomposition.weights,
      n: audio.rows,
      names,
      groupOfRowN: labels,
      groups: classNames.length,
      top: options.top,
    });
  } finally {
    await close();
  }

  const report = {
    lambda: options.lambda,
    n: audio.rows,
    concepts: space.c,
    groups: groups.map((group, index) => ({
      group: classNames[index],
      index,
      n: group.n,
      top: group.top.map((concept) => ({ label: concept.label, weight: concept.weight })),
    })),
  };
  if (options.svg) {
    await writeProminenceChart(
      options.svg,
      `Top concepts per class (λ = ${options.lambda})`,
      groups.map((group, index) => ({ name: classNames[index], n: group.n, top: group.top })),
    );
    say(`wrote ${options.svg}`);
  }
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : classesTable(report));
}

/** One block per class: its name and row count, then its top concepts with their mean prominence. */
function classesTable(report: {
  lambda: number;
  n: number;
  concepts: number;
  groups: { group: string; n: number; top: { label: string; weight: number }[] }[];
}): string {
  const lines = [
    `top concepts per class: ${report.n} audio rows, ${report.concepts} concepts, λ = ${report.lambda} ` +
      '(mean prominence: mean w over the rows of the class)',
  ];
  for (const group of report.groups) {
    lines.push('', `${group.group} (${group.n} row${group.n === 1 ? '' : 's'})`);
    if (group.n === 0) lines.push('  (no rows)');
    else if (group.top.length === 0) lines.push('  (no concept: every weight is 0)');
    const width = Math.max(0, ...group.top.map((concept) => concept.label.length));
    group.top.forEach((concept, rank) =>
      lines.push(`  ${String(rank + 1).padStart(2)}. ${concept.label.padEnd(width)}  ${concept.weight.toFixed(4)}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** One class name per line (blank trailing lines ignored); every label must name one of them. */
async function readClassNames(path: string, labels: Int32Array): Promise<string[]> {
  const names = (await readFile(path, 'utf8')).split(/\r?\n/).map((name) => name.trim());
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  const largest = labels.reduce((max, label) => Math.max(max, label), -1);
  if (largest >= names.length)
    throw new InvalidInputError(
      `--class-names ${path}: ${names.length} class names, but the labels go up to class ${largest}`,
    );
  return names;
}
