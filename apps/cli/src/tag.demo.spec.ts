import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { aevalsrcCommand, makeAudio, soxCommand, soxMixCommand } from '@audio-concepts/ingest-audio/testing';

/**
 * The whole embedded pipeline on the demo model (built by `npm run build`), fed with sounds made by other
 * programs (sox, ffmpeg filters) from the concept definitions, not by the demo model's own generator.
 */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');
const DEMO_MODEL = join(ROOT, 'models', 'clap-demo');
let dir: string;

interface Frame {
  window_seq: number;
  concepts: { label: string; weight: number }[];
}

function tag(file: string, ...extra: string[]): Frame[] {
  const r = spawnSync(process.execPath, [BIN, 'tag', file, '--json', '--cache-dir', join(dir, 'cache'), ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

const sox = (name: string, ...effects: string[]) => makeAudio(soxCommand(join(dir, name), ...effects));
const expression = (name: string, expr: string, seconds: number) =>
  makeAudio(aevalsrcCommand(join(dir, name), expr, seconds));
const mix = (name: string, a: string, b: string) => makeAudio(soxMixCommand(join(dir, name), a, b));

const labels = (frame: Frame) => frame.concepts.map((c) => c.label);

beforeAll(() => {
  if (!existsSync(DEMO_MODEL)) throw new Error(`the demo model is missing (${DEMO_MODEL}); run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), 'tag-demo-'));
});

describe('each concept, made by another program, comes out first', () => {
  const sounds: [concept: string, make: () => string][] = [
    ['hum', () => sox('hum.wav', 'synth', '10', 'sine', '80', 'vol', '0.5')],
    ['tone', () => sox('tone.wav', 'synth', '10', 'sine', '1000', 'vol', '0.5')],
    ['whistle', () => sox('whistle.wav', 'synth', '10', 'sine', '5000', 'vol', '0.4')],
    ['beep', () => expression('beep.wav', 'if(lt(mod(t,0.5),0.2),0.5*sin(2*PI*1000*t),0)', 10)],
    // 600–1400 Hz and back every 2 s
    ['siren', () => expression('siren.wav', '0.5*sin(2*PI*(1000*t+400/PI*sin(PI*t)))', 10)],
    // 1→4 kHz in 100 ms, four times a second
    [
      'chirp',
      () =>
        expression('chirp.wav', 'if(lt(mod(t,0.25),0.1),0.5*sin(2*PI*(1000*mod(t,0.25)+15000*mod(t,0.25)^2)),0)', 10),
    ],
    ['white noise', () => sox('white.wav', 'synth', '10', 'whitenoise', 'vol', '0.3')],
    ['rumble', () => sox('rumble.wav', 'synth', '10', 'brownnoise', 'lowpass', '150', 'vol', '0.8')],
    ['hiss', () => sox('hiss.wav', 'synth', '10', 'whitenoise', 'sinc', '5000', 'vol', '0.5')],
    ['click', () => expression('click.wav', 'if(lt(mod(t,0.1),1/48000),0.9,0)', 10)],
    ['silence', () => sox('silence.wav', 'trim', '0', '10')],
  ];

  it.each(sounds)('%s', (concept, make) => {
    const frames = tag(make());
    expect(frames).toHaveLength(1);
    expect(labels(frames[0])[0], JSON.stringify(frames[0].concepts)).toBe(concept);
  });

  it('a 1 kHz sine of 4 s (one window, repeat-padded) is a tone too', () => {
    const frames = tag(sox('tone-4s.wav', 'synth', '4', 'sine', '1000', 'vol', '0.5'));
    expect(labels(frames[0])[0], JSON.stringify(frames[0].concepts)).toBe('tone');
  });
});

describe('mixtures name both ingredients among the top 3', () => {
  it.each([
    ['hum', 'hiss'],
    ['tone', 'rumble'],
    ['siren', 'white noise'],
  ])('%s + %s', (a, b) => {
    const make: Record<string, () => string> = {
      hum: () => sox('m-hum.wav', 'synth', '10', 'sine', '80', 'vol', '0.4'),
      hiss: () => sox('m-hiss.wav', 'synth', '10', 'whitenoise', 'sinc', '5000', 'vol', '0.4'),
      tone: () => sox('m-tone.wav', 'synth', '10', 'sine', '700', 'vol', '0.4'),
      rumble: () => sox('m-rumble.wav', 'synth', '10', 'brownnoise', 'lowpass', '150', 'vol', '0.7'),
      siren: () => expression('m-siren.wav', '0.4*sin(2*PI*(1000*t+400/PI*sin(PI*t)))', 10),
      'white noise': () => sox('m-white.wav', 'synth', '10', 'whitenoise', 'vol', '0.2'),
    };
    const frames = tag(mix(`${a}+${b}.wav`.replace(/ /g, '_'), make[a](), make[b]()), '--top', '3');
    expect(labels(frames[0]), JSON.stringify(frames[0].concepts)).toEqual(expect.arrayContaining([a, b]));
  });

  it('the demo files: each window names what its README lists', () => {
    const examples = join(ROOT, 'examples', 'audio');
    const hum = tag(join(examples, 'hum-and-hiss.wav'), '--top', '3');
    for (const frame of hum) expect(labels(frame)).toEqual(expect.arrayContaining(['hum', 'hiss']));
    const siren = tag(join(examples, 'siren-then-beeps.wav'), '--top', '3');
    expect(labels(siren[0])[0]).toBe('siren');
    expect(labels(siren[siren.length - 1])[0]).toBe('beep');
  });
});
