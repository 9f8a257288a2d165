import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addScaled,
  brownNoise,
  cascadedBiquad,
  dbToGain,
  gate,
  normalizePeak,
  sine,
  sweptSine,
  toPcm16,
  whiteNoise,
} from './dsp';
import type { Rng } from './random';
import { writeWav16 } from './wav';
import { SAMPLE_RATE, type Concept } from './world';

/** One ingredient of a demo file: a concept sounding from `from` to `to` seconds. */
interface Layer {
  concept: Concept;
  detail: string;
  from: number;
  to: number;
  gainDb: number;
  render: (rng: Rng, nSamples: number) => Float64Array;
}

interface DemoFile {
  name: string;
  seconds: number;
  summary: string;
  layers: Layer[];
}

const sec = (s: number) => Math.round(s * SAMPLE_RATE);

const hum60: Layer['render'] = (_rng, n) => {
  const x = sine(n, SAMPLE_RATE, 60);
  addScaled(x, sine(n, SAMPLE_RATE, 120), dbToGain(-30));
  return x;
};
const hiss5k: Layer['render'] = (rng, n) =>
  cascadedBiquad(whiteNoise(n, rng.normal, rng.uniform, 'gaussian'), SAMPLE_RATE, 'highpass', 5000, 4);
const siren: Layer['render'] = (_rng, n) =>
  sweptSine(n, SAMPLE_RATE, (i) => 1000 + 400 * Math.sin((2 * Math.PI * i) / SAMPLE_RATE / 2));
const beeps: Layer['render'] = (_rng, n) => {
  const spans: Array<[number, number]> = [];
  for (let t = 0; t < n; t += sec(0.5)) spans.push([t, t + sec(0.2)]);
  return gate(sine(n, SAMPLE_RATE, 1000), spans, sec(0.003));
};
const tone1k: Layer['render'] = (_rng, n) => sine(n, SAMPLE_RATE, 1000);
const chirps: Layer['render'] = (_rng, n) => {
  const x = new Float64Array(n);
  const len = sec(0.1);
  for (let t = 0; t + len <= n; t += sec(0.3)) {
    const seg = sweptSine(len, SAMPLE_RATE, (i) => 1000 * 3 ** (i / len));
    for (let i = 0; i < len; i++) x[t + i] = seg[i] * Math.sin((Math.PI * (i + 0.5)) / len);
  }
  return x;
};
const rumble: Layer['render'] = (rng, n) => cascadedBiquad(brownNoise(n, rng.normal), SAMPLE_RATE, 'lowpass', 120, 4);
const white: Layer['render'] = (rng, n) => whiteNoise(n, rng.normal, rng.uniform, 'gaussian');
const clicks: Layer['render'] = (_rng, n) => {
  const x = new Float64Array(n);
  for (let t = sec(0.05); t < n; t += sec(1 / 8)) x[t] = 1;
  return x;
};

/** The demo files: a few concepts each, some changing over time, 12–30 s. */
export const DEMO_FILES: readonly DemoFile[] = [
  {
    name: 'hum-and-hiss.wav',
    seconds: 20,
    summary: 'Mains hum with tape-like hiss on top',
    layers: [
      { concept: 'hum', detail: '60 Hz sine (weak 120 Hz harmonic)', from: 0, to: 20, gainDb: 0, render: hum60 },
      { concept: 'hiss', detail: 'white noise high-passed at 5 kHz', from: 0, to: 20, gainDb: -6, render: hiss5k },
    ],
  },
  {
    name: 'siren-then-beeps.wav',
    seconds: 30,
    summary: 'A siren, then a beeping alarm',
    layers: [
      {
        concept: 'siren',
        detail: 'sine sweeping 600–1400 Hz and back every 2 s',
        from: 0,
        to: 15,
        gainDb: 0,
        render: siren,
      },
      { concept: 'beep', detail: '1 kHz beeps, 0.2 s on, 0.3 s off', from: 15, to: 30, gainDb: 0, render: beeps },
    ],
  },
  {
    name: 'tone.wav',
    seconds: 12,
    summary: 'A test tone',
    layers: [{ concept: 'tone', detail: '1 kHz sine', from: 0, to: 12, gainDb: 0, render: tone1k }],
  },
  {
    name: 'chirps-and-rumble.wav',
    seconds: 25,
    summary: 'Low rumble throughout; chirps join after 5 s',
    layers: [
      { concept: 'rumble', detail: 'brown noise low-passed at 120 Hz', from: 0, to: 25, gainDb: 0, render: rumble },
      {
        concept: 'chirp',
        detail: '0.1 s upward sweeps 1→3 kHz, every 0.3 s',
        from: 5,
        to: 25,
        gainDb: -3,
        render: chirps,
      },
    ],
  },
  {
    name: 'noise-clicks-silence.wav',
    seconds: 30,
    summary: 'White noise, then a ticking click track, then silence',
    layers: [
      { concept: 'white noise', detail: 'Gaussian white noise', from: 0, to: 10, gainDb: -6, render: white },
      { concept: 'click', detail: 'single-sample impulses, 8 per second', from: 10, to: 20, gainDb: 0, render: clicks },
      {
        concept: 'silence',
        detail: 'digital silence (dithered 16-bit)',
        from: 20,
        to: 30,
        gainDb: 0,
        render: (_r, n) => new Float64Array(n),
      },
    ],
  },
];

/** Each layer peaks at its gain below the file's loudest layer; the file peaks at −3 dBFS. */
function render(file: DemoFile, rng: Rng): Float32Array {
  const total = new Float64Array(sec(file.seconds));
  for (const layer of file.layers) {
    const start = sec(layer.from);
    const part = normalizePeak(layer.render(rng, sec(layer.to) - start), dbToGain(layer.gainDb));
    // 20 ms fades, so that segments start and stop without a click of their own.
    gate(part, [[0, part.length]], sec(0.02));
    addScaled(total.subarray(start, start + part.length), part, 1);
  }
  normalizePeak(total, dbToGain(-3));
  return toPcm16(total, true, rng.uniform);
}

function readme(): string {
  const sections = DEMO_FILES.map((f) => {
    const rows = f.layers.map((l) => `| ${l.from}–${l.to} s | \`${l.concept}\` | ${l.detail} |`).join('\n');
    return `## ${f.name} (${f.seconds} s)\n\n${f.summary}.\n\n| time | concept | ingredient |\n| ---- | ------- | ---------- |\n${rows}\n`;
  });
  return `# Demo audio

Generated by \`tools/demo-model\` (\`npm run build\`), together with the demo model in \`models/clap-demo\`; do not
edit. 48 kHz mono 16-bit WAV. Each file is made of the demo model's concepts; the tables list what sounds when, so
you can check what \`audio-concepts tag\` reports for each 10 s window.

${sections.join('\n')}`;
}

/** Writes the demo WAV files and their README into `dir` (replacing what was there). */
export function writeDemoAudio(dir: string, rng: Rng): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of DEMO_FILES) writeWav16(join(dir, file.name), render(file, rng.fork(file.name)), SAMPLE_RATE);
  writeFileSync(join(dir, 'README.md'), readme());
}
