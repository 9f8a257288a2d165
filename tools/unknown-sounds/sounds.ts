import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  aevalsrcCommand,
  filteredLavfiCommand,
  lavfiCommand,
  makeAudio,
  type AudioCommand,
} from '@audio-concepts/ingest-audio/testing';

/** Whether the demo model was made to know a category's sounds. */
export type Familiarity = 'known' | 'unknown';

/** One category of test sounds and its files. */
export interface SoundCategory {
  name: string;
  familiarity: Familiarity;
  files: string[];
  /** Why the category is empty, when it is (a missing program). */
  skipped?: string;
}

/** Seconds of each made-up sound: two windows. */
const SECONDS = 20;

const tool = (name: string, flag: string) => spawnSync(name, [flag], { stdio: 'ignore' }).status === 0;

/** The programs the sounds need; ffmpeg is required (decoding too), espeak-ng only for speech. */
export function checkPrograms(): { espeak: boolean } {
  if (!tool('ffmpeg', '-version'))
    throw new Error(
      'ffmpeg is not on the PATH: it makes the test sounds and decodes them (Debian: apt-get install ffmpeg)',
    );
  return { espeak: tool('espeak-ng', '--version') };
}

/** An ffmpeg lavfi source with an audio filter chain, `seconds` long, mono 48 kHz 16-bit. */
const filteredCommand = (file: string, source: string, filter: string, seconds = SECONDS): AudioCommand =>
  filteredLavfiCommand(file, source, filter, seconds);

/** Runs each command in `dir` (their file names are relative); returns the files' paths. */
function make(dir: string, commands: AudioCommand[]): string[] {
  return commands.map((command) => join(dir, makeAudio(command, dir)));
}

/** The demo files of `npm run build` (examples/audio): what the README tags. */
function demoAudio(examplesDir: string): string[] {
  if (!existsSync(examplesDir)) throw new Error(`${examplesDir} does not exist: run npm run build first`);
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .map((f) => join(examplesDir, f));
}

/**
 * Random clips of the demo world from its own generator (tools/demo-model `world-clips.js`): each concept alone,
 * 2–3 mixed, one then another; random parameters, levels (−45…−1 dBFS) and lengths (10 s, 20 s, or 1–10 s).
 */
function worldClips(dir: string, generator: string, seeds: readonly number[], perKind: number): string[] {
  if (!existsSync(generator)) throw new Error(`${generator} does not exist: run npm run build first`);
  const files: string[] = [];
  for (const seed of seeds) {
    const out = join(dir, `seed-${seed}`);
    const r = spawnSync(process.execPath, [generator, out, '--seed', `${seed}`, '--per-kind', `${perKind}`], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`world-clips.js failed (${r.status}): ${r.stderr}`);
    const listed = readFileSync(join(out, 'clips.tsv'), 'utf8').trim().split('\n').slice(1);
    files.push(...listed.map((line) => join(out, line.split('\t')[0])));
  }
  return files;
}

/** The demo concepts made by ffmpeg from their definitions (models/clap-demo/README.md), not by the generator. */
function ffmpegConcepts(dir: string): string[] {
  const sine = (f: number) => `sine=frequency=${f}`;
  return make(dir, [
    lavfiCommand('tone-440.wav', sine(440), SECONDS),
    lavfiCommand('tone-1000.wav', sine(1000), SECONDS),
    lavfiCommand('whistle-5000.wav', sine(5000), SECONDS),
    aevalsrcCommand('hum-60.wav', '0.5*sin(2*PI*60*t)+0.02*sin(2*PI*120*t)', SECONDS),
    aevalsrcCommand('beep.wav', '0.5*sin(2*PI*1000*t)*lt(mod(t\\,0.5)\\,0.2)', SECONDS),
    // 1000 ± 400 Hz, one cycle every 2 s: the phase is the integral of the frequency.
    aevalsrcCommand('siren.wav', '0.5*sin(2*PI*1000*t-800*cos(PI*t))', SECONDS),
    // 1 → 4 kHz in 0.1 s, every 0.25 s.
    aevalsrcCommand(
      'chirp.wav',
      '0.5*sin(2*PI*(1000*mod(t\\,0.25)+15000*mod(t\\,0.25)^2))*lt(mod(t\\,0.25)\\,0.1)',
      SECONDS,
    ),
    filteredCommand('white-noise.wav', 'anoisesrc=color=white:amplitude=0.5:seed=1', 'volume=1'),
    filteredCommand('rumble.wav', 'anoisesrc=color=brown:amplitude=0.5:seed=2', 'lowpass=f=150,lowpass=f=150'),
    filteredCommand('hiss.wav', 'anoisesrc=color=white:amplitude=0.3:seed=3', 'highpass=f=5000,highpass=f=5000'),
    aevalsrcCommand('click.wav', '0.9*lt(mod(n\\,4800)\\,1)', SECONDS),
  ]);
}

const TEXTS = [
  'Please call Stella. Ask her to bring these things with her from the store: six spoons of fresh snow peas, ' +
    'five thick slabs of blue cheese, and maybe a snack for her brother Bob.',
  'The quick brown fox jumps over the lazy dog, while the weather forecast says that rain will reach the coast ' +
    'by Tuesday evening and clear again on Thursday morning.',
];
const VOICES = ['en', 'en-us', 'en+f3', 'en+m3', 'en+f5', 'de', 'fr', 'es'];

/** espeak-ng speech: 8 voices at two speeds and two amplitudes, both texts (about 15–25 s). */
function speech(dir: string): string[] {
  const files: string[] = [];
  VOICES.forEach((voice, v) =>
    [140, 190].forEach((speed, s) => {
      const file = join(dir, `speech-${voice.replace('+', '-')}-${speed}.wav`);
      const text = (v + s) % 2 === 0 ? `${TEXTS[0]} ${TEXTS[1]}` : `${TEXTS[1]} ${TEXTS[0]}`;
      const args = ['-v', voice, '-s', `${speed}`, '-a', s === 0 ? '60' : '160', '-w', file, text];
      const r = spawnSync('espeak-ng', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`espeak-ng ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
      files.push(file);
    }),
  );
  return files;
}

/**
 * Pink and brown noise switched on for `on` s and off for `off` s (the noise continues; only the gate moves). Every
 * noise has its own fixed seed, so two runs measure the same sounds.
 */
function noiseBursts(dir: string): string[] {
  const commands: AudioCommand[] = [];
  for (const color of ['pink', 'brown'])
    for (const on of [0.1, 0.3, 1])
      for (const off of [0.2, 1])
        commands.push(
          filteredCommand(
            `noise-${color}-${on}on-${off}off.wav`,
            `anoisesrc=color=${color}:amplitude=0.5:seed=${commands.length + 1}`,
            `volume='if(lt(mod(t,${on + off}),${on}),1,0)':eval=frame`,
          ),
        );
  return make(dir, commands);
}

/** Three notes at once: major (4 + 3 semitones) and minor triads of sines, triads with harmonics, a progression. */
function chords(dir: string): string[] {
  // Each note's partials fall off as 1/h; the three notes together peak below 0.9.
  const note = (f: number, harmonics: number) => {
    const total = Array.from({ length: harmonics }, (_, h) => 1 / (h + 1)).reduce((a, b) => a + b, 0);
    return Array.from(
      { length: harmonics },
      (_, h) => `${(0.3 / total / (h + 1)).toFixed(4)}*sin(2*PI*${(f * (h + 1)).toFixed(2)}*t)`,
    ).join('+');
  };
  const triad = (root: number, third: number, harmonics = 1) =>
    [0, third, 7].map((s) => note(root * 2 ** (s / 12), harmonics)).join('+');
  const commands: AudioCommand[] = [];
  for (const root of [220, 262, 330, 440, 523]) {
    commands.push(aevalsrcCommand(`chord-major-${root}.wav`, triad(root, 4), SECONDS));
    commands.push(aevalsrcCommand(`chord-minor-${root}.wav`, triad(root, 3), SECONDS));
  }
  for (const root of [196, 330])
    commands.push(aevalsrcCommand(`chord-harmonics-${root}.wav`, triad(root, 4, 4), SECONDS));
  // C, F, G, C major, 2 s each.
  const progression = [262, 349, 392, 262]
    .map((root, i) => `between(mod(t\\,8)\\,${2 * i}\\,${2 * i + 2})*(${triad(root, 4)})`)
    .join('+');
  commands.push(aevalsrcCommand('chord-progression.wav', progression, SECONDS));
  return make(dir, commands);
}

/** Music-like sounds that are none of the demo concepts: notes with harmonics, an arpeggio, a harmonic glide. */
function musicLike(dir: string): string[] {
  // A pentatonic melody of plucked notes with 3 harmonics, 4 notes per second.
  const pitch = '262*pow(2\\,floor(mod(floor(t*4)*7\\,12))/12)';
  const pluck = `(sin(2*PI*${pitch}*t)+0.5*sin(4*PI*${pitch}*t)+0.3*sin(6*PI*${pitch}*t))*exp(-6*mod(t\\,0.25))`;
  return make(dir, [
    aevalsrcCommand('melody.wav', `0.3*${pluck}`, SECONDS),
    // A major arpeggio of sines, 0.15 s per note.
    aevalsrcCommand(
      'arpeggio.wav',
      '0.5*sin(2*PI*440*pow(2\\,(4*eq(mod(floor(t/0.15)\\,3)\\,1)+7*eq(mod(floor(t/0.15)\\,3)\\,2))/12)*t)',
      SECONDS,
    ),
    // A sawtooth gliding 200 → 800 Hz over 5 s, again and again.
    // (the phase in cycles is the integral of f = 200·4^(τ/5) Hz over τ = t mod 5)
    aevalsrcCommand('saw-glide.wav', '0.5*(2*mod(200*5*(pow(4\\,mod(t\\,5)/5)-1)/log(4)\\,1)-1)', SECONDS),
    // A voice-like tone: 150 Hz with harmonics and 5 Hz vibrato.
    aevalsrcCommand(
      'vibrato.wav',
      Array.from(
        { length: 6 },
        (_, h) => `${(0.3 / (h + 1)).toFixed(3)}*sin(${h + 1}*(2*PI*150*t+3*sin(2*PI*5*t)))`,
      ).join('+'),
      SECONDS,
    ),
  ]);
}

export interface SoundOptions {
  /** where the sounds are written */
  dir: string;
  /** the demo audio (examples/audio) */
  examplesDir: string;
  /** tools/demo-model/dist/world-clips.js */
  worldClipsScript: string;
  seeds: readonly number[];
  perKind: number;
}

/** Writes every category's files under `dir`; speech is skipped (and says why) without espeak-ng. */
export function makeSounds(options: SoundOptions): SoundCategory[] {
  const { espeak } = checkPrograms();
  const sub = (name: string) => {
    const path = join(options.dir, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  return [
    { name: 'known: demo audio', familiarity: 'known', files: demoAudio(options.examplesDir) },
    {
      name: 'known: world clips',
      familiarity: 'known',
      files: worldClips(sub('world'), options.worldClipsScript, options.seeds, options.perKind),
    },
    { name: 'known: ffmpeg-made', familiarity: 'known', files: ffmpegConcepts(sub('ffmpeg-concepts')) },
    espeak
      ? { name: 'speech (espeak-ng)', familiarity: 'unknown', files: speech(sub('speech')) }
      : {
          name: 'speech (espeak-ng)',
          familiarity: 'unknown',
          files: [],
          skipped: 'espeak-ng is not installed (Debian: apt-get install espeak-ng); speech was not measured',
        },
    { name: 'noise bursts', familiarity: 'unknown', files: noiseBursts(sub('noise-bursts')) },
    { name: 'chords', familiarity: 'unknown', files: chords(sub('chords')) },
    { name: 'music-like', familiarity: 'unknown', files: musicLike(sub('music-like')) },
  ];
}
