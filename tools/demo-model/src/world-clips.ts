import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from './random';
import { writeWav16 } from './wav';
import { CLIP_SECONDS, SAMPLE_RATE, loadDemoConcepts, synthesizeClip, type ClipKind } from './world';

/** Clip lengths, cycled per kind: a window, two windows, and a short clip (which the encoder pads). */
const SECONDS: readonly (number | 'short')[] = [CLIP_SECONDS, 2 * CLIP_SECONDS, 'short'];
const KINDS: readonly ClipKind[] = ['single', 'mixture', 'sequence'];

/**
 * `node tools/demo-model/dist/world-clips.js <dir> [--seed N] [--per-kind N]`: writes random clips of the demo
 * world (`synthesizeClip`: each concept alone, mixtures of 2–3, one concept then another; random parameters and
 * levels from −45 to −1 dBFS) as 48 kHz 16-bit WAV files into `dir`, with `clips.tsv` (file, kind, seconds,
 * description). Known sounds for measuring the model from outside (tools/unknown-sounds); the same seed gives the
 * same files.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seed: { type: 'string', default: '1' }, 'per-kind': { type: 'string', default: '12' } },
  });
  const [dir] = positionals;
  const seed = Number(values.seed);
  const perKind = Number(values['per-kind']);
  if (
    dir === undefined ||
    positionals.length > 1 ||
    !Number.isInteger(seed) ||
    !(Number.isInteger(perKind) && perKind > 0)
  )
    throw new Error('usage: world-clips.js <dir> [--seed <integer>] [--per-kind <integer ≥ 1>]');
  const concepts = await loadDemoConcepts();
  const rng = new Rng(seed);
  mkdirSync(dir, { recursive: true });
  const lines = ['file\tkind\tseconds\tdescription'];
  for (const kind of KINDS)
    for (let i = 0; i < perKind; i++) {
      const clipRng = rng.fork(`${kind} ${i}`);
      const length = SECONDS[i % SECONDS.length];
      // Sequences need room for two sounds.
      const seconds = length === 'short' ? clipRng.between(kind === 'sequence' ? 3 : 1, CLIP_SECONDS) : length;
      const clip = synthesizeClip(concepts, clipRng, kind, { nSamples: Math.round(seconds * SAMPLE_RATE) });
      const file = `${kind}-${String(i).padStart(3, '0')}.wav`;
      writeWav16(join(dir, file), clip.samples, SAMPLE_RATE);
      lines.push(`${file}\t${kind}\t${seconds.toFixed(2)}\t${clip.description}`);
    }
  writeFileSync(join(dir, 'clips.tsv'), `${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(`world-clips: error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
