import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { aevalsrcCommand, soxCommand } from '@audio-concepts/ingest-audio/testing';
import type { Concept } from '../world';

/**
 * Sounds made by sox and ffmpeg, not by the generator, to check that the demo model recognizes a concept by its
 * definition rather than by the generator's own synthesis. 10 s by default (any length of at least 1 s), 48 kHz
 * mono 16-bit. `mixture` files are two of them mixed with `sox -m` (each at half amplitude).
 */
export interface TestSound {
  name: string;
  /** The concepts in it (one for a single sound). */
  concepts: Concept[];
  /** Argument lists of the commands that make `<dir>/<name>.wav`, `seconds` long (sox or ffmpeg, run in `dir`). */
  commands: (file: string, seconds: number) => string[][];
}

const sox = (file: string, ...effects: string[]) => soxCommand(file, ...effects).argv;
const aevalsrc = (file: string, expr: string, seconds: number) => aevalsrcCommand(file, expr, seconds).argv;

export const SINGLE_SOUNDS: readonly TestSound[] = [
  { name: 'hum', concepts: ['hum'], commands: (f, s) => [sox(f, 'synth', `${s}`, 'sine', '80', 'vol', '0.5')] },
  { name: 'tone', concepts: ['tone'], commands: (f, s) => [sox(f, 'synth', `${s}`, 'sine', '1000', 'vol', '0.5')] },
  {
    name: 'whistle',
    concepts: ['whistle'],
    commands: (f, s) => [sox(f, 'synth', `${s}`, 'sine', '5000', 'vol', '0.5')],
  },
  // 1 kHz, 0.2 s on, 0.3 s off.
  {
    name: 'beep',
    concepts: ['beep'],
    commands: (f, s) => [aevalsrc(f, '0.5*sin(2*PI*1000*t)*lt(mod(t\\,0.5)\\,0.2)', s)],
  },
  {
    // 600→1400 Hz in 1 s, back in 1 s, again and again.
    name: 'siren',
    concepts: ['siren'],
    commands: (f, s) => [
      sox('up.wav', 'synth', '1', 'sine', '600-1400', 'vol', '0.5'),
      sox('down.wav', 'synth', '1', 'sine', '1400-600', 'vol', '0.5'),
      ['sox', 'up.wav', 'down.wav', 'cycle.wav'],
      ['sox', 'cycle.wav', f, 'repeat', `${Math.ceil(s / 2) - 1}`, 'trim', '0', `${s}`],
    ],
  },
  // 100 ms sweeps 1→4 kHz every 250 ms.
  {
    name: 'chirp',
    concepts: ['chirp'],
    commands: (f, s) => [
      sox('unit.wav', 'synth', '0.1', 'sine', '1000-4000', 'vol', '0.5', 'pad', '0', '0.15'),
      ['sox', 'unit.wav', f, 'repeat', `${Math.ceil(s / 0.25) - 1}`, 'trim', '0', `${s}`],
    ],
  },
  {
    name: 'white-noise',
    concepts: ['white noise'],
    commands: (f, s) => [sox(f, 'synth', `${s}`, 'whitenoise', 'vol', '0.5')],
  },
  {
    name: 'rumble',
    concepts: ['rumble'],
    commands: (f, s) => [sox(f, 'synth', `${s}`, 'brownnoise', 'vol', '0.5', 'lowpass', '150')],
  },
  {
    name: 'hiss',
    concepts: ['hiss'],
    commands: (f, s) => [sox(f, 'synth', `${s}`, 'whitenoise', 'vol', '0.3', 'highpass', '5000')],
  },
  // Single-sample impulses, 10 per second.
  { name: 'click', concepts: ['click'], commands: (f, s) => [aevalsrc(f, '0.9*lt(mod(n\\,4800)\\,1)', s)] },
  // sox dithers its 16-bit output, so this is ±1 LSB noise; anullsrc gives exact zeros.
  { name: 'silence', concepts: ['silence'], commands: (f, s) => [sox(f, 'trim', '0', `${s}`)] },
  {
    name: 'silence-zeros',
    concepts: ['silence'],
    commands: (f, s) => [
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
        `${s}`,
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

/**
 * Makes `sounds` (every single and mixture by default; a mixture needs its two singles before it), `seconds` long,
 * in `dir`; returns name → path.
 */
export function makeTestSounds(
  dir: string,
  {
    seconds = 10,
    sounds = [...SINGLE_SOUNDS, ...MIXTURE_SOUNDS],
  }: { seconds?: number; sounds?: readonly TestSound[] } = {},
): Map<string, string> {
  mkdirSync(dir, { recursive: true });
  const paths = new Map<string, string>();
  for (const sound of sounds) {
    const file = `${sound.name}.wav`;
    for (const [tool, ...args] of sound.commands(file, seconds)) {
      const result = spawnSync(tool, args, { cwd: dir, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
    }
    paths.set(sound.name, join(dir, file));
  }
  return paths;
}
