import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  aevalsrcCommand,
  filteredLavfiCommand,
  lavfiCommand,
  makeAudio,
  soxMixCommand,
  type AudioCommand,
} from '@audio-concepts/ingest-audio/testing';

/**
 * Labelled sounds the demo model was never made to name: each class is a mixture of two of its concepts, named by an
 * AudioSet word the demo model's text tower knows but that is no concept of it ("engine" = rumble + hum). Made by
 * ffmpeg (each part) and sox (`sox -m`), every file with its own parameters (frequencies, rates, noise seeds), 10 s,
 * one window each. Zero-shot, "This is a sound of engine." points nowhere near rumble + hum; a trained head can.
 */
export const MIXTURE_CLASSES = ['engine', 'kettle', 'alarm', 'rain', 'bird'] as const;
export type MixtureClass = (typeof MIXTURE_CLASSES)[number];

const SECONDS = 10;

/** The two parts of file `j` of a class (ffmpeg commands writing `a.wav` and `b.wav` names given). */
function parts(kind: MixtureClass, j: number, a: string, b: string): [AudioCommand, AudioCommand] {
  const noise = (file: string, color: string, amplitude: number, filter: string): AudioCommand =>
    filteredLavfiCommand(file, `anoisesrc=color=${color}:amplitude=${amplitude}:seed=${100 + j}`, filter, SECONDS);
  switch (kind) {
    case 'engine': {
      const f = 45 + 4 * j;
      return [
        noise(a, 'brown', 0.5, `lowpass=f=${120 + 8 * j},lowpass=f=${120 + 8 * j}`),
        aevalsrcCommand(b, `0.5*sin(2*PI*${f}*t)+0.05*sin(2*PI*${2 * f}*t)`, SECONDS),
      ];
    }
    case 'kettle':
      return [
        lavfiCommand(a, `sine=frequency=${4000 + 150 * j}`, SECONDS),
        noise(b, 'white', 0.3, `highpass=f=${4500 + 100 * j},highpass=f=${4500 + 100 * j}`),
      ];
    case 'alarm': {
      const period = (0.4 + 0.03 * j).toFixed(2);
      return [
        aevalsrcCommand(a, `0.5*sin(2*PI*${800 + 50 * j}*t)*lt(mod(t\\,${period})\\,0.2)`, SECONDS),
        // the siren: a sine sweeping ± 300 Hz around its centre, once every 2 s (the phase integrates the frequency)
        aevalsrcCommand(b, `0.5*sin(2*PI*${900 + 40 * j}*t-600*cos(PI*t))`, SECONDS),
      ];
    }
    case 'rain': {
      const every = 2400 + 600 * j; // samples between clicks
      return [
        noise(a, 'white', 0.2 + 0.02 * j, 'volume=1'),
        aevalsrcCommand(b, `0.9*lt(mod(n\\,${every})\\,1)`, SECONDS),
      ];
    }
    case 'bird': {
      const period = (0.2 + 0.02 * j).toFixed(2);
      return [
        // 1 → 4 kHz in 0.1 s, once per period
        aevalsrcCommand(
          a,
          `0.5*sin(2*PI*(1000*mod(t\\,${period})+15000*mod(t\\,${period})^2))*lt(mod(t\\,${period})\\,0.1)`,
          SECONDS,
        ),
        lavfiCommand(b, `sine=frequency=${5000 + 200 * j}`, SECONDS),
      ];
    }
  }
}

/**
 * Writes `perClass` files of every class to `dir/<class>/<class>-<j>.wav`, j from `first` (one folder per class, as
 * `embed --classes` and `train-head --audio-dir` read them); returns the class names in order.
 */
export function makeMixtureSounds(dir: string, perClass: number, first = 0): string[] {
  for (const kind of MIXTURE_CLASSES) {
    const classDir = join(dir, kind);
    mkdirSync(classDir, { recursive: true });
    for (let j = first; j < first + perClass; j++) {
      const [a, b] = parts(kind, j, join(classDir, `.a-${j}.wav`), join(classDir, `.b-${j}.wav`));
      makeAudio(a);
      makeAudio(b);
      makeAudio(soxMixCommand(join(classDir, `${kind}-${j}.wav`), a.file, b.file));
    }
  }
  return [...MIXTURE_CLASSES];
}
