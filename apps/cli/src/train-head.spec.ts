import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { asFloat64Matrix, readNpySync, writeNpy } from '@audio-concepts/shared-npy';
import { accuracy, identity, knownMap, randomMatrix, sampleRows } from '@audio-concepts/trainer-head/testing';
import { ROOT, runCli } from './testing/cli.run';

/**
 * `train-head` run as a user runs it (./bin/audio-concepts, built by `npm run build`) on .npy files of a problem with
 * a known answer: prompts at random, audio e = A·(p_y + noise) with A orthogonal, so the ideal head is Aᵀ.
 */
const d = 16;
const k = 6;
const world = knownMap(d, k, 31);
const train = sampleRows(world, 2400, 0.3, 300);
const test = sampleRows(world, 1200, 0.3, 400);
let dir: string;
const file = (name: string) => join(dir, name);
/** --audio, --labels and --prompts of the problem */
const arrays = () => ['--audio', file('A.npy'), '--labels', file('y.npy'), '--prompts', file('P.npy')];
const trainHead = (...args: string[]) => runCli(['train-head', ...arrays(), ...args]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'train-head-cli-'));
  await writeNpy(file('A.npy'), { dtype: 'float32', shape: [2400, d], data: Float32Array.from(train.audio) });
  await writeNpy(file('y.npy'), { dtype: 'int64', shape: [2400], data: BigInt64Array.from(train.labels, BigInt) });
  await writeNpy(file('P.npy'), { dtype: 'float32', shape: [k, d], data: Float32Array.from(world.prompts) });
  writeFileSync(file('classes.txt'), 'rain\nthunder\ntraffic\nbirds\nspeech\nsiren\n');
  // concepts: the class prompts among 14 other directions; folds: row i in fold i mod 3
  const others = randomMatrix(14, d, 77);
  await writeNpy(file('T.npy'), {
    dtype: 'float64',
    shape: [k + 14, d],
    data: Float64Array.from([...world.prompts, ...others]),
  });
  await writeNpy(file('F.npy'), {
    dtype: 'int32',
    shape: [2400],
    data: Int32Array.from({ length: 2400 }, (_, i) => i % 3),
  });
});

describe('train-head', () => {
  it('writes a head directory whose head beats zero-shot on held-out rows, and says what it did', async () => {
    const r = trainHead('--out', file('head'), '--class-names', file('classes.txt'), '--model-id', 'test-model');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^head [0-9a-f]{16} \(16 × 16, cosine objective, random init\) → /);
    expect(r.stdout).toMatch(/training rows, \d+ validation rows, 6 classes/);
    expect(r.stderr).toMatch(/epoch 1\/100: train loss [\d.]+, validation loss [\d.]+, accuracy [\d.]+ %/);
    const H = asFloat64Matrix(readNpySync(file('head/head.npy')), 'head.npy');
    expect([H.rows, H.cols]).toEqual([d, d]);
    const manifest = JSON.parse(readFileSync(file('head/manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      format: 'audio-concepts/projection-head',
      d,
      modelId: 'test-model',
      conceptSpaceId: null,
      classes: ['rain', 'thunder', 'traffic', 'birds', 'speech', 'siren'],
      files: { matrix: 'head.npy', audioMean: 'audio_mean.npy', manifest: 'manifest.json' },
      kernel: 'onnxruntime-cpu',
      audioMean: { rows: 2400 },
    });
    // m_a of the head: the mean of the training rows projected by H and normalized (a mean of unit vectors)
    const mean = readNpySync(file('head/audio_mean.npy'));
    expect(mean.shape).toEqual([d]);
    const norm = Math.hypot(...(mean.data as Float64Array));
    expect(norm).toBeGreaterThan(0);
    expect(norm).toBeLessThanOrEqual(1);
    expect(r.stdout).toContain(`head ${manifest.id} `);
    const trained = await accuracy(H.data, test.audio, test.labels, world.prompts, d);
    const ceiling = await accuracy(world.ideal, test.audio, test.labels, world.prompts, d);
    const zeroShot = await accuracy(identity(d), test.audio, test.labels, world.prompts, d);
    expect(trained).toBeGreaterThan(ceiling - 0.05);
    expect(trained).toBeGreaterThan(zeroShot + 0.3);
  });

  it('is deterministic for a seed (same id, same bytes), prints JSON, and trains only on the mask', async () => {
    await writeNpy(file('M.npy'), {
      dtype: 'int32',
      shape: [2400],
      data: Int32Array.from({ length: 2400 }, (_, i) => (i % 2 === 0 ? 1 : 0)),
    });
    const args = ['--train-mask', file('M.npy'), '--objective', 'contrastive', '--init', 'identity', '--seed', '7'];
    const a = trainHead(...args, '--out', file('a'), '--json', '--no-progress');
    const b = trainHead(...args, '--out', file('b'), '--json', '--no-progress');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).not.toMatch(/epoch/);
    const [ja, jb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(Object.keys(ja)).toEqual([
      'id',
      'out',
      'd',
      'n',
      'classes',
      'objective',
      'init',
      'seed',
      'train_rows',
      'val_rows',
      'epochs_run',
      'best_epoch',
      'train_loss',
      'train_acc',
      'val_loss',
      'val_acc',
      'seconds',
    ]);
    expect(ja).toMatchObject({ d, n: 2400, classes: k, objective: 'contrastive', init: 'identity', seed: 7 });
    expect(ja.train_rows + ja.val_rows).toBe(1200);
    expect(jb.id).toBe(ja.id);
    expect(readFileSync(file('b/head.npy')).equals(readFileSync(file('a/head.npy')))).toBe(true);
  });

  it('eval zero-shot --head reads the head it wrote, with the m_a stored with it', async () => {
    const r = runCli([
      'eval',
      'zero-shot',
      ...arrays(),
      '--concepts',
      file('P.npy'),
      '--lambda',
      '0.05',
      '--head',
      file('head'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/m_a = 0/);
    expect(JSON.parse(r.stdout).dense_acc).toBeGreaterThan(0.8);
    // --eval-mask: the rows with 1 only (here the odd rows, which the masked head of the next test leaves out)
    await writeNpy(file('odd.npy'), {
      dtype: 'int32',
      shape: [2400],
      data: Int32Array.from({ length: 2400 }, (_, i) => i % 2),
    });
    const masked = runCli([
      'eval',
      'zero-shot',
      ...arrays(),
      '--concepts',
      file('P.npy'),
      '--lambda',
      '0.05',
      '--head',
      file('head'),
      '--eval-mask',
      file('odd.npy'),
      '--json',
    ]);
    expect(masked.code, masked.stderr).toBe(0);
    expect(JSON.parse(masked.stdout).n).toBe(1200);
    const badMask = runCli([
      'eval',
      'zero-shot',
      ...arrays(),
      '--concepts',
      file('P.npy'),
      '--lambda',
      '0.05',
      '--eval-mask',
      file('y.npy'),
      '--json',
    ]);
    expect(badMask.code).toBe(1);
    expect(badMask.stderr).toMatch(/--eval-mask .*y\.npy: row \d+ is [2-5]; the mask holds 0 or 1/);
  });

  it('eval finetune: per fold a head trained on the other folds; fine-tuned accuracies far above zero-shot', () => {
    const r = runCli([
      'eval',
      'finetune',
      ...arrays(),
      '--concepts',
      file('T.npy'),
      '--audio-mean-from',
      file('A.npy'),
      '--folds',
      file('F.npy'),
      '--lambda',
      '0.05',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/fold 0 \(1\/3\): 800 rows, trained on 1600 for \d+ epochs; dense [\d.]+%/);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual([
      'folds',
      'dense_acc',
      'finetuned_dense_acc',
      'finetuned_concept_acc',
      'finetuned_dense_std',
      'finetuned_concept_std',
      'l0_mean',
      'per_fold',
    ]);
    expect(report.folds).toBe(3);
    expect(report.per_fold.map((f: { n: number }) => f.n)).toEqual([800, 800, 800]);
    expect(report.finetuned_dense_acc).toBeGreaterThan(report.dense_acc + 0.3);
    expect(report.finetuned_concept_acc).toBeGreaterThan(report.dense_acc + 0.2);
    expect(report.l0_mean).toBeGreaterThan(0);
    mkdirSync(join(ROOT, '.test-results'), { recursive: true });
    // .md: `npm test` reads every .json there as a vitest report
    writeFileSync(
      join(ROOT, '.test-results', 'eval-finetune.md'),
      `\`\`\`json\n${JSON.stringify(report, null, 2)}\n\`\`\`\n`,
    );
  });

  it('refuses bad input with a clear message and exit code', async () => {
    const missing = runCli(['train-head', '--audio', file('A.npy'), '--out', file('x')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--labels/);
    const names = trainHead('--out', file('x'), '--class-names', file('classes.txt'), '--epochs', '1');
    expect(names.code).toBe(0);
    writeFileSync(file('five.txt'), 'a\nb\nc\nd\ne\n');
    const wrongNames = trainHead('--out', file('x'), '--class-names', file('five.txt'));
    expect(wrongNames.code).toBe(2);
    expect(wrongNames.stderr).toMatch(/holds 5 names; the prompts have 6 classes/);
    const badObjective = trainHead('--out', file('x'), '--objective', 'hinge');
    expect(badObjective.code).toBe(2);
    expect(badObjective.stderr).toMatch(/cosine, contrastive/);
    mkdirSync(file('one-class/rain'), { recursive: true });
    const both = runCli(['train-head', '--audio-dir', file('one-class'), '--audio', file('A.npy'), '--out', file('x')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--audio-dir embeds the audio and the prompts itself: drop --audio');
    const oneClass = runCli(['train-head', '--audio-dir', file('one-class'), '--out', file('x')]);
    expect(oneClass.code).toBe(2);
    expect(oneClass.stderr).toContain('has 1 class folder; a head needs at least 2');
    const modelWithArrays = trainHead('--out', file('x'), '--model', 'models/clap-demo');
    expect(modelWithArrays.code).toBe(2);
    expect(modelWithArrays.stderr).toContain('--model is for --audio-dir');
    await writeNpy(file('y-bad.npy'), {
      dtype: 'int32',
      shape: [2400],
      data: Int32Array.from(train.labels, (y, i) => (i === 7 ? 9 : y)),
    });
    const badLabel = runCli([
      'train-head',
      '--audio',
      file('A.npy'),
      '--labels',
      file('y-bad.npy'),
      '--prompts',
      file('P.npy'),
      '--out',
      file('x'),
    ]);
    expect(badLabel.code).toBe(1);
    expect(badLabel.stderr).toMatch(/labels\[7\] is 9; a label must be a class index from 0 to 5/);
    await writeNpy(file('P8.npy'), { dtype: 'float32', shape: [k, 8], data: new Float32Array(k * 8).fill(1) });
    const narrowPrompts = runCli([
      'train-head',
      '--audio',
      file('A.npy'),
      '--labels',
      file('y.npy'),
      '--prompts',
      file('P8.npy'),
      '--out',
      file('x'),
    ]);
    expect(narrowPrompts.code).toBe(1);
    expect(narrowPrompts.stderr).toMatch(/prompts: 48 values do not fit \[6, 16\]/);
  });
});
