import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import {
  MIN_CURRENT_FRAMES,
  MIN_REFERENCE_FRAMES,
  OFFLINE_DEFAULTS,
  ONLINE_DEFAULTS,
  freezeReference,
  offlineDrift,
  offlineDriftTraces,
} from '@audio-concepts/metrics-drift';
import { UsageError } from '../cli-error';
import { driftJson } from '../drift/drift-json';
import { parseAlpha, parseSeed } from '../drift/drift-options';
import { driftSvg } from '../drift/drift-svg';
import { driftText } from '../drift/drift-text';
import { readFrameFile } from '../drift/frame-files';
import { parsePositiveInt, parsePositiveNumber } from '../options';

interface DriftOptions {
  reference: string;
  current?: string;
  alpha: number;
  block?: number;
  replicates: number;
  seed: number;
  json?: boolean;
  svg?: string;
  saveReference?: string;
  falseAlarmsPerDay?: number;
  halfLife?: number;
  framesPerDay?: number;
}

export function driftCommand(): Command {
  return new Command('drift')
    .description(
      'Has the concept mix of C drifted from that of R? Compares every concept’s activation rate and mass, and the ' +
        'fidelity (cosine) and L0, with a test whose false-alarm probability is --alpha even though concepts and ' +
        'consecutive windows are correlated (a block bootstrap of R). Both files hold frames as `tag --json` and ' +
        '`tail --json` print them.',
    )
    .requiredOption('--reference <R.jsonl>', 'the reference frames (the way things should be)')
    .option('--current <C.jsonl>', 'the frames to compare with the reference')
    .addOption(
      new Option('--alpha <A>', 'probability of reporting drift when C comes from the same distribution as R')
        .default(OFFLINE_DEFAULTS.alpha)
        .argParser(parseAlpha),
    )
    .option(
      '--json',
      'print one JSON object: {"drift","statistic","threshold","alpha","n_reference","n_current","change_index",' +
        '"changed":[{"label","reference_rate","current_rate","reference_mass","current_mass","q"}],' +
        '"signals":[{"name","reference_mean","current_mean","q","changed"}]}',
    )
    .option('--svg <OUT.svg>', 'also draw the changed concepts and the change point over C as an SVG file')
    .addOption(
      new Option('--block <N>', 'bootstrap block length in frames (default: from the autocorrelation of R)').argParser(
        parsePositiveInt,
      ),
    )
    .addOption(
      new Option('--replicates <B>', 'bootstrap replicates')
        .default(OFFLINE_DEFAULTS.replicates)
        .argParser(parsePositiveInt),
    )
    .addOption(new Option('--seed <S>', 'seed of the bootstrap').default(OFFLINE_DEFAULTS.seed).argParser(parseSeed))
    .option(
      '--save-reference <REF.json>',
      'write R as a calibrated reference for the online detector (the metrics service loads it)',
    )
    .addOption(
      new Option(
        '--false-alarms-per-day <X>',
        'with --save-reference: expected false alarms per day (default 1)',
      ).argParser(parsePositiveNumber),
    )
    .addOption(
      new Option(
        '--half-life <H>',
        `with --save-reference: half-life of the detector's running means, in windows (default ${ONLINE_DEFAULTS.halfLifeWindows})`,
      ).argParser(parsePositiveNumber),
    )
    .addOption(
      new Option(
        '--frames-per-day <N>',
        "with --save-reference: the group's frames per day (default: 86 400 s / R's window step × R's streams)",
      ).argParser(parsePositiveNumber),
    )
    .action((options: DriftOptions) => runDrift(options));
}

function runDrift(options: DriftOptions): void {
  const online = ['falseAlarmsPerDay', 'halfLife', 'framesPerDay'] as const;
  const flag = {
    falseAlarmsPerDay: '--false-alarms-per-day',
    halfLife: '--half-life',
    framesPerDay: '--frames-per-day',
  };
  if (!options.current && !options.saveReference)
    throw new UsageError(
      'give --current C.jsonl to compare with the reference, or --save-reference REF.json to save it for the online detector',
    );
  if (!options.saveReference)
    for (const key of online)
      if (options[key] !== undefined) throw new UsageError(`${flag[key]} goes with --save-reference`);
  if (!options.current && (options.json || options.svg))
    throw new UsageError(`${options.json ? '--json' : '--svg'} needs --current C.jsonl`);

  const reference = readFrameFile(options.reference, '--reference', MIN_REFERENCE_FRAMES);
  if (options.saveReference) {
    const saved = freezeReference(reference, {
      falseAlarmsPerDay: options.falseAlarmsPerDay ?? 1,
      ...(options.halfLife !== undefined ? { halfLifeWindows: options.halfLife } : {}),
      ...(options.framesPerDay !== undefined ? { framesPerDay: options.framesPerDay } : {}),
      seed: options.seed,
      ...(options.block !== undefined ? { block: options.block } : {}),
    });
    writeFileSync(options.saveReference, JSON.stringify(saved) + '\n');
    process.stderr.write(
      `wrote ${options.saveReference}: ${saved.frames} frames, ${saved.labels.length} concepts; threshold ` +
        `${saved.threshold.toFixed(3)} for ${saved.falseAlarmsPerDay} false alarm(s) per day at ` +
        `${Math.round(saved.framesPerDay)} frames per day\n`,
    );
  }
  if (!options.current) return;
  const current = readFrameFile(options.current, '--current', MIN_CURRENT_FRAMES);
  const report = offlineDrift(reference, current, {
    alpha: options.alpha,
    replicates: options.replicates,
    seed: options.seed,
    ...(options.block !== undefined ? { block: options.block } : {}),
  });
  process.stdout.write(options.json ? `${driftJson(report)}\n` : driftText(report, current));
  if (options.svg) {
    writeFileSync(options.svg, driftSvg(report, offlineDriftTraces(reference, current, report)));
    process.stderr.write(`wrote ${options.svg}\n`);
  }
}
