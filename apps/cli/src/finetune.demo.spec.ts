import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '@audio-concepts/shared-npy';
import { makeMixtureSounds } from './testing/mixture-sounds';
import { ROOT, runCli } from './testing/cli.run';

/**
 * The fine-tuned variant on the demo model (issue 11): five classes of sounds it was never made to name, each a
 * mixture of two of its concepts made by ffmpeg and sox ("engine" = rumble + hum, "kettle" = whistle + hiss, …), six
 * files per class. Zero-shot, the prompt "This is a sound of engine." points nowhere near rumble + hum; a head
 * trained on the other folds maps those sounds onto their prompts, and the decomposition over the AudioSet vocabulary
 * (which the demo text tower embeds, "Engine" included) then names them.
 */
const CALIBRATION = join(ROOT, 'models', 'clap-demo', 'calibration', 'audio_embeddings.npy');
let dir: string;
const file = (name: string) => join(dir, name);
const PER_CLASS = 6;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'finetune-demo-'));
  const classes = makeMixtureSounds(file('sounds'), PER_CLASS);
  writeFileSync(file('classes.txt'), `${classes.join('\n')}\n`);
  const n = classes.length * PER_CLASS;
  await writeNpy(file('F.npy'), { dtype: 'int32', shape: [n], data: Int32Array.from({ length: n }, (_, i) => i % 3) });
}, 120_000);

describe('fine-tuning on the demo model: new mixtures', () => {
  it('fine-tuned concept accuracy beats zero-shot (eval finetune, 3 folds, the default objective and init)', () => {
    const cache = ['--cache-dir', file('cache')];
    const audio = runCli(['embed', file('sounds'), '--classes', file('classes.txt'), '--out', file('A.npy'), ...cache]);
    expect(audio.code, audio.stderr).toBe(0);
    expect(audio.stderr).not.toMatch(/MaxListenersExceededWarning/); // 30 files share one Ctrl-C signal
    expect(runCli(['embed', '--labels', file('classes.txt'), '--out', file('P.npy'), ...cache]).code).toBe(0);
    expect(runCli(['embed', '--vocab', 'audioset', '--out', file('T.npy'), ...cache]).code).toBe(0);
    const common = ['--audio', file('A.npy'), '--labels', file('A.classes.npy'), '--prompts', file('P.npy')];
    const concepts = ['--concepts', file('T.npy'), '--audio-mean-from', CALIBRATION, '--lambda', '0.05', '--json'];
    const zeroShot = runCli(['eval', 'zero-shot', ...common, ...concepts]);
    expect(zeroShot.code, zeroShot.stderr).toBe(0);
    const finetune = runCli(['eval', 'finetune', ...common, ...concepts, '--folds', file('F.npy')]);
    expect(finetune.code, finetune.stderr).toBe(0);
    const [z, f] = [JSON.parse(zeroShot.stdout), JSON.parse(finetune.stdout)];
    // measured (12 files per class, 5 folds): zero-shot 20 % dense and concept (chance), fine-tuned 100 % both
    expect(f.finetuned_concept_acc).toBeGreaterThan(z.concept_acc + 0.4);
    expect(f.finetuned_dense_acc).toBeGreaterThan(z.dense_acc + 0.4);
    mkdirSync(join(ROOT, '.test-results'), { recursive: true });
    writeFileSync(
      join(ROOT, '.test-results', 'finetune-demo.md'),
      `zero-shot\n\n\`\`\`json\n${JSON.stringify(z, null, 2)}\n\`\`\`\n\neval finetune\n\n\`\`\`json\n${JSON.stringify(f, null, 2)}\n\`\`\`\n`,
    );
  });

  it('train-head --audio-dir, then tag --head names held-out sounds by their class', () => {
    const trained = runCli([
      'train-head',
      '--audio-dir',
      file('sounds'),
      '--out',
      file('head'),
      '--json',
      '--no-progress',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(JSON.parse(trained.stdout)).toMatchObject({ classes: 5, n: 30 });
    const heldOut = makeMixtureSounds(file('held-out'), 1, 20); // parameters none of the training files has
    const tagged = runCli([
      'tag',
      ...heldOut.map((kind) => file(`held-out/${kind}/${kind}-20.wav`)),
      '--head',
      file('head'),
      '--vocab',
      'audioset',
      '--cache-dir',
      file('cache'),
      '--json',
      '--no-progress',
    ]);
    expect(tagged.code, tagged.stderr).toBe(0);
    const top = tagged.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .map((frame: { stream: string; concepts: { label: string }[] }) => [
        frame.stream.split('/').at(-2),
        frame.concepts[0].label,
      ]);
    // measured: Alarm, Bird, Engine, Kettle whistle, Rain (AudioSet's names), each the window's largest concept
    for (const [kind, label] of top) expect(label.toLowerCase()).toContain(kind);
  });
});
