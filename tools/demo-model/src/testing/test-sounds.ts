import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Concept } from '../world';

/**
 * Sounds made by sox and ffmpeg, not by the generator, to check that the demo model recognizes a concept by its
 * definition rather than by the generator's own synthesis. 10 s, 48 kHz mono 16-bit. `mixture` files are two of
 * them mixed with `sox -m` (each at half amplitude).
 */
export interface TestSound {
  name: string;
  /** The concepts in it (one for a single sound). */
  concepts: Concept[];
  /** Argument lists of the commands that make `<dir>/<name>.wav` (sox or ffmpeg, run in `dir`). */
  commands: (file: string) => string[][];
}

const sox = (file: string, ...effects: string[]) => [
  'sox',
  '-n',
  '-r',
  '48000',
  '-c',
  '1',
  '-b',
  '16',
  file,
  ...effects,
];
const aevalsrc = (file: string, expr: string) => [
  'ffmpeg',
  '-v',
  'error',
  '-y',
  '-f',
  'lavfi',
  '-i',
  `aevalsrc='${expr}':s=48000:d=10`,
  '-ac',
  '1',
  '-c:a',
  'pcm_s16le',
  file,
];

export const SINGLE_SOUNDS: readonly TestSound[] = [
  { name: 'hum', concepts: ['hum'], commands: (f) => [sox(f, 'synth', '10', 'sine', '80', 'vol', '0.5')] },
  { name: 'tone', concepts: ['tone'], commands: (f) => [sox(f, 'synth', '10', 'sine', '1000', 'vol', '0.5')] },
  { name: 'whistle', concepts: ['whistle'], commands: (f) => [sox(f, 'synth', '10', 'sine', '5000', 'vol', '0.5')] },
  // 1 kHz, 0.2 s on, 0.3 s off.
  { name: 'beep', concepts: ['beep'], commands: (f) => [aevalsrc(f, '0.5*sin(2*PI*1000*t)*lt(mod(t\\,0.5)\\,0.2)')] },
  {
    // 600→1400 Hz in 1 s, back in 1 s, five times.
    name: 'siren',
    concepts: ['siren'],
    commands: (f) => [
      sox('up.wav', 'synth', '1', 'sine', '600-1400', 'vol', '0.5'),
      sox('down.wav', 'synth', '1', 'sine', '1400-600', 'vol', '0.5'),
      ['sox', 'up.wav', 'down.wav', 'cycle.wav'],
      ['sox', 'cycle.wav', f, 'repeat', '4'],
    ],
  },
  // 100 ms sweeps 1→4 kHz every 250 ms.
  {
    name: 'chirp',
    concepts: ['chirp'],
    commands: (f) => [sox(f, 'synth', '0.1', 'sine', '1000-4000', 'vol', '0.5', 'pad', '0', '0.15', 'repeat', '39')],
  },
  {
    name: 'white-noise',
    concepts: ['white noise'],
    commands: (f) => [sox(f, 'synth', '10', 'whitenoise', 'vol', '0.5')],
  },
  {
    name: 'rumble',
    concepts: ['rumble'],
    commands: (f) => [sox(f, 'synth', '10', 'brownnoise', 'vol', '0.5', 'lowpass', '150')],
  },
  {
    name: 'hiss',
    concepts: ['hiss'],
    commands: (f) => [sox(f, 'synth', '10', 'whitenoise', 'vol', '0.3', 'highpass', '5000')],
  },
  // Single-sample impulses, 10 per second.
  { name: 'click', concepts: ['click'], commands: (f) => [aevalsrc(f, '0.9*lt(mod(n\\,4800)\\,1)')] },
  // sox dithers its 16-bit output, so this is ±1 LSB noise; anullsrc gives exact zeros.
  { name: 'silence', concepts: ['silence'], commands: (f) => [sox(f, 'trim', '0', '10')] },
  {
    name: 'silence-zeros',
    concepts: ['silence'],
    commands: (f) => [
      [
        'ffmpeg',
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'anullsrc=r=48000:cl=mono',
        '-t',
        '10',
        '-c:a',
        'pcm_s16le',
        f,
      ],
    ],
  },
];

const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['hum', 'hiss'],
  ['tone', 'rumble'],
  ['siren', 'white-noise'],
  ['chirp', 'rumble'],
  ['beep', 'hiss'],
  ['whistle', 'click'],
  ['hum', 'beep'],
  ['tone', 'click'],
];

export const MIXTURE_SOUNDS: readonly TestSound[] = PAIRS.map(([a, b]) => {
  const concepts = [a, b].map((n) => SINGLE_SOUNDS.find((s) => s.name === n)!.concepts[0]);
  return { name: `${a}+${b}`, concepts, commands: (f) => [['sox', '-m', `${a}.wav`, `${b}.wav`, f]] };
});

/** True when sox and ffmpeg can be run. */
export function soundToolsAvailable(): boolean {
  return [
    ['sox', '--version'],
    ['ffmpeg', '-version'],
  ].every(([tool, flag]) => spawnSync(tool, [flag], { stdio: 'ignore' }).status === 0);
}

/** Makes every sound (singles first: the mixtures are made from them) in `dir`; returns name → path. */
export function makeTestSounds(dir: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const sound of [...SINGLE_SOUNDS, ...MIXTURE_SOUNDS]) {
    const file = `${sound.name}.wav`;
    for (const [tool, ...args] of sound.commands(file)) {
      const result = spawnSync(tool, args, { cwd: dir, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
    }
    paths.set(sound.name, join(dir, file));
  }
  return paths;
}
