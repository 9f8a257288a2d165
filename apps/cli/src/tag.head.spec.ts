import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HEAD_FILES, ProjectionHead } from '@audio-concepts/decomposer-concepts';
import { asFloat64Matrix, readNpySync, writeNpy } from '@audio-concepts/shared-npy';
import { ROOT, runCli } from './testing/cli.run';

/**
 * `tag --head DIR` on the demo model: each window decomposed as H·L2(e) with the head's m_a, through the decomposer's
 * own head path. The identity head with m_a over the model's calibration set is the plain decomposition: the same
 * concepts, and the frames name the head. A head that swaps two concept directions swaps those tags.
 */
const AUDIO = join(ROOT, 'examples', 'audio', 'siren-then-beeps.wav');
const CALIBRATION = join(ROOT, 'models', 'clap-demo', 'calibration', 'audio_embeddings.npy');
let dir: string;

interface JsonFrame {
  window_seq: number;
  concepts: { label: string; weight: number }[];
  concept_space_id: string;
  head_id?: string;
}
const frames = (stdout: string): JsonFrame[] =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
const tag = (...args: string[]) =>
  runCli(['tag', AUDIO, '--json', '--no-progress', '--cache-dir', join(dir, 'cache'), ...args]);

async function writeHead(name: string, H: Float64Array, d: number): Promise<ProjectionHead> {
  const calibration = asFloat64Matrix(readNpySync(CALIBRATION), CALIBRATION);
  const head = ProjectionHead.withReference(H, d, calibration.data, calibration.rows);
  mkdirSync(join(dir, name));
  await writeNpy(join(dir, name, HEAD_FILES.matrix), { dtype: 'float64', shape: [d, d], data: H });
  await writeNpy(join(dir, name, HEAD_FILES.audioMean), { dtype: 'float64', shape: [d], data: head.audioMeanD! });
  return head;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tag-head-'));
});

describe('tag --head', () => {
  it('the identity head gives the plain tags, and every frame names the head', async () => {
    const d = 512;
    const identity = new Float64Array(d * d);
    for (let r = 0; r < d; r++) identity[r * d + r] = 1;
    const head = await writeHead('identity', identity, d);
    const plain = tag();
    const headed = tag('--head', join(dir, 'identity'));
    expect(plain.code, plain.stderr).toBe(0);
    expect(headed.code, headed.stderr).toBe(0);
    expect(headed.stderr).toContain(`head ${head.id} (512 × 512), with its audio mean`);
    const [a, b] = [frames(plain.stdout), frames(headed.stdout)];
    expect(b.map((f) => f.head_id)).toEqual(a.map(() => head.id));
    expect(a.every((f) => f.head_id === undefined)).toBe(true);
    expect(b.map((f) => f.concept_space_id)).toEqual(a.map((f) => f.concept_space_id));
    expect(b.map((f) => f.concepts.map((c) => c.label))).toEqual(a.map((f) => f.concepts.map((c) => c.label)));
    b.forEach((frame, i) => frame.concepts.forEach((c, k) => expect(c.weight).toBeCloseTo(a[i].concepts[k].weight, 4)));
  });

  it('a head that maps siren sounds onto the beep direction and back swaps those tags', async () => {
    // the text embeddings of "siren" and "beep" (unit rows), and the reflection that swaps them
    const embed = runCli(['embed', '--text', writeLines('words.txt', ['siren', 'beep']), '--out', join(dir, 'T.npy')]);
    expect(embed.code, embed.stderr).toBe(0);
    const T = asFloat64Matrix(readNpySync(join(dir, 'T.npy')), 'T.npy');
    const d = T.cols;
    const u = new Float64Array(d);
    for (let t = 0; t < d; t++) u[t] = T.data[t] - T.data[d + t];
    const norm = Math.hypot(...u);
    // the Householder reflection I − 2uuᵀ/‖u‖² maps the unit siren direction onto the beep direction and back
    const H = new Float64Array(d * d);
    for (let r = 0; r < d; r++)
      for (let t = 0; t < d; t++) H[r * d + t] = (r === t ? 1 : 0) - (2 * u[r] * u[t]) / (norm * norm);
    const head = await writeHead('swap', H, d);
    const plain = frames(tag().stdout);
    const swapped = tag('--head', join(dir, 'swap'));
    expect(swapped.code, swapped.stderr).toBe(0);
    const top = (f: JsonFrame) => f.concepts[0].label;
    expect(plain.map(top)).toEqual(['siren', 'siren', 'beep']);
    expect(frames(swapped.stdout).map(top)).toEqual(['beep', 'beep', 'siren']);
    expect(frames(swapped.stdout).every((f) => f.head_id === head.id)).toBe(true);
  });

  it('refuses a head of the wrong dimension and a head directory without head.npy', async () => {
    const small = new Float64Array(16);
    for (let r = 0; r < 4; r++) small[r * 4 + r] = 1;
    mkdirSync(join(dir, 'small'));
    await writeNpy(join(dir, 'small', HEAD_FILES.matrix), { dtype: 'float64', shape: [4, 4], data: small });
    const wrong = tag('--head', join(dir, 'small'));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--head is 4 × 4, but the model's embeddings have d = 512");
    mkdirSync(join(dir, 'empty'));
    const missing = tag('--head', join(dir, 'empty'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/head\.npy/);
  });
});

function writeLines(name: string, lines: string[]): string {
  writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
  return join(dir, name);
}
