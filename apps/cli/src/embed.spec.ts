import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { vocabularyCachePath } from '@audio-concepts/encoder-clap';
import { aevalsrcCommand, HAS_FFMPEG, HAS_SOX, makeAudio, soxCommand } from '@audio-concepts/ingest-audio/testing';
import { asFloat32Matrix, asIntVector, readNpySync } from '@audio-concepts/shared-npy';

/**
 * `embed` run as a user runs it, on the demo model (built by `npm run build`): the way into decompose and
 * eval zero-shot without Python.
 */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');
const DEMO_CALIBRATION = join(ROOT, 'models', 'clap-demo', 'calibration', 'audio_embeddings.npy');

let dir: string;
let cache: string;

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function expectUsageError(r: ReturnType<typeof run>, fragment: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(fragment);
}

const rowNorms = (m: { data: Float32Array; rows: number; cols: number }) =>
  Array.from({ length: m.rows }, (_, i) => Math.hypot(...m.data.subarray(i * m.cols, (i + 1) * m.cols)));

/** Two sounds per class of the demo world, made by sox and ffmpeg (not by the demo model's own generator). */
const CLASSES: Record<string, ((file: string) => string)[]> = {
  hum: [
    (f) => makeAudio(soxCommand(f, 'synth', '10', 'sine', '80', 'vol', '0.5')),
    (f) => makeAudio(soxCommand(f, 'synth', '10', 'sine', '90', 'vol', '0.3')),
  ],
  tone: [
    (f) => makeAudio(soxCommand(f, 'synth', '10', 'sine', '1000', 'vol', '0.5')),
    (f) => makeAudio(soxCommand(f, 'synth', '10', 'sine', '800', 'vol', '0.4')),
  ],
  siren: [
    (f) => makeAudio(aevalsrcCommand(f, '0.5*sin(2*PI*(1000*t+400/PI*sin(PI*t)))', 10)),
    (f) => makeAudio(aevalsrcCommand(f, '0.3*sin(2*PI*(1000*t+400/PI*sin(PI*t)))', 10)),
  ],
  beep: [
    (f) => makeAudio(aevalsrcCommand(f, 'if(lt(mod(t,0.5),0.2),0.5*sin(2*PI*1000*t),0)', 10)),
    (f) => makeAudio(aevalsrcCommand(f, 'if(lt(mod(t,0.5),0.2),0.3*sin(2*PI*1000*t),0)', 10)),
  ],
  'white noise': [
    (f) => makeAudio(soxCommand(f, 'synth', '10', 'whitenoise', 'vol', '0.3')),
    (f) => makeAudio(soxCommand(f, 'synth', '10', 'whitenoise', 'vol', '0.2')),
  ],
  rumble: [
    (f) => makeAudio(soxCommand(f, 'synth', '10', 'brownnoise', 'lowpass', '150', 'vol', '0.8')),
    (f) => makeAudio(soxCommand(f, 'synth', '10', 'brownnoise', 'lowpass', '120', 'vol', '0.6')),
  ],
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'embed-cli-'));
  cache = join(dir, 'cache');
});

describe.skipIf(!HAS_FFMPEG || !HAS_SOX)('embed → decompose and eval zero-shot, without Python', () => {
  it('embeds a folder per class, the class prompts and the demo vocabulary; zero-shot is far above chance', () => {
    const data = join(dir, 'sounds');
    for (const [label, makers] of Object.entries(CLASSES)) {
      mkdirSync(join(data, label), { recursive: true });
      makers.forEach((make, i) => make(join(data, label, `${i}.wav`)));
    }
    // one file of 25 s: three windows (10 + 10 + 5 s), as tag cuts it
    makeAudio(soxCommand(join(data, 'tone', 'long.flac'), 'synth', '25', 'sine', '1200', 'vol', '0.4'));
    const classes = join(dir, 'classes.txt');
    writeFileSync(classes, Object.keys(CLASSES).join('\n') + '\n');

    const audio = run('embed', data, '--classes', classes, '--out', join(dir, 'A.npy'), '--cache-dir', cache);
    expect(audio.code, audio.stderr).toBe(0);
    expect(audio.stdout).toBe('');
    expect(audio.stderr).toContain('model demo (synthetic world, not CLAP)');
    const A = asFloat32Matrix(readNpySync(join(dir, 'A.npy')), 'A');
    expect([A.rows, A.cols]).toEqual([15, 512]);
    for (const norm of rowNorms(A)) expect(norm).toBeCloseTo(1, 5);
    const index = readFileSync(join(dir, 'A.index.tsv'), 'utf8').trim().split('\n');
    expect(index[0]).toBe('row\tfile\twindow_seq\tstart_s\tend_s');
    expect(index).toHaveLength(16);
    const rows = index.slice(1).map((line) => line.split('\t'));
    expect(rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 15 }, (_, i) => i));
    const long = rows.filter((r) => r[1].endsWith('long.flac')).map((r) => r.slice(2));
    expect(long).toEqual([
      ['0', '0.000', '10.000'],
      ['1', '10.000', '20.000'],
      ['2', '20.000', '25.000'],
    ]);
    const y = asIntVector(readNpySync(join(dir, 'A.classes.npy')), 'y');
    expect(y).toHaveLength(15);
    rows.forEach((r, i) => expect(Object.keys(CLASSES)[y[i]]).toBe(r[1].split('/').at(-2)));

    const prompts = run('embed', '--labels', classes, '--out', join(dir, 'P.npy'), '--cache-dir', cache);
    expect(prompts.code, prompts.stderr).toBe(0);
    const P = asFloat32Matrix(readNpySync(join(dir, 'P.npy')), 'P');
    expect([P.rows, P.cols]).toEqual([6, 512]);
    expect(readFileSync(join(dir, 'P.names.txt'), 'utf8')).toBe(Object.keys(CLASSES).join('\n') + '\n');

    const vocab = run('embed', '--vocab', 'demo', '--out', join(dir, 'T.npy'), '--cache-dir', cache);
    expect(vocab.code, vocab.stderr).toBe(0);
    const names = readFileSync(join(dir, 'T.names.txt'), 'utf8').trim().split('\n');
    expect(names).toContain('siren');
    expect(asFloat32Matrix(readNpySync(join(dir, 'T.npy')), 'T').rows).toBe(names.length);

    const decompose = run(
      'decompose',
      '--concepts',
      join(dir, 'T.npy'),
      '--embeddings',
      join(dir, 'A.npy'),
      '--audio-mean-from',
      DEMO_CALIBRATION,
      '--concept-names',
      join(dir, 'T.names.txt'),
      '--lambda',
      '0.05',
      '--top',
      '1',
      '--json',
    );
    expect(decompose.code, decompose.stderr).toBe(0);
    const tops = decompose.stdout
      .trim()
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line).concepts[0]?.label);
    const right = tops.filter((label, i) => label === Object.keys(CLASSES)[y[i]]).length;
    expect(right, JSON.stringify(tops)).toBeGreaterThanOrEqual(13);

    const zeroShot = run(
      'eval',
      'zero-shot',
      '--audio',
      join(dir, 'A.npy'),
      '--labels',
      join(dir, 'A.classes.npy'),
      '--prompts',
      join(dir, 'P.npy'),
      '--concepts',
      join(dir, 'T.npy'),
      '--audio-mean-from',
      DEMO_CALIBRATION,
      '--lambda',
      '0.05',
      '--json',
    );
    expect(zeroShot.code, zeroShot.stderr).toBe(0);
    const report = JSON.parse(zeroShot.stdout);
    expect(report.n).toBe(15);
    // chance is 1/6
    expect(report.dense_acc).toBeGreaterThanOrEqual(0.8);
    expect(report.concept_acc).toBeGreaterThanOrEqual(0.8);
  });
});

describe('embed text', () => {
  it('--vocab reads and fills the text-embedding cache that tag uses', () => {
    const c2 = join(dir, 'c2');
    const tagged = run('tag', join(ROOT, 'examples', 'audio', 'tone.wav'), '--json', '--cache-dir', c2);
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(readdirSync(join(c2, 'text-embeddings'))).toHaveLength(1);
    const first = run('embed', '--vocab', 'demo', '--out', join(dir, 'V1.npy'), '--cache-dir', c2);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('from the cache');
    expect(readdirSync(join(c2, 'text-embeddings'))).toHaveLength(1);

    const c3 = join(dir, 'c3');
    const fresh = run('embed', '--vocab', 'demo', '--out', join(dir, 'V2.npy'), '--cache-dir', c3);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).not.toContain('from the cache');
    expect(readFileSync(join(dir, 'V2.npy'))).toEqual(readFileSync(join(dir, 'V1.npy')));
    const id = /\[([0-9a-f]+)\]/.exec(fresh.stderr)![1];
    const names = readFileSync(join(dir, 'V2.names.txt'), 'utf8').trim().split('\n');
    expect(readdirSync(join(c3, 'text-embeddings'))).toEqual([basename(vocabularyCachePath('', id, names))]);
  });

  it('--vocab FILE: # starts a comment, name<TAB>frequency is accepted (tag lists with counts), the frequency not used', () => {
    const file = join(dir, 'tags.tsv');
    writeFileSync(file, '# my tags, by count\nsiren\t120\n\nhum\t40  # mains\ntone\t7\n');
    const r = run('embed', '--vocab', file, '--out', join(dir, 'F.npy'), '--cache-dir', cache);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('the frequency column is not used');
    expect(readFileSync(join(dir, 'F.names.txt'), 'utf8')).toBe('siren\nhum\ntone\n');
    expect(asFloat32Matrix(readNpySync(join(dir, 'F.npy')), 'F').rows).toBe(3);
    const bad = join(dir, 'bad.tsv');
    writeFileSync(bad, 'siren\t120\nhum\n');
    const refused = run('embed', '--vocab', bad, '--out', join(dir, 'G.npy'), '--cache-dir', cache);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('1 of 2 terms have a frequency; give all or none');
  });

  it('--text embeds each non-blank line as it is, # included', () => {
    const texts = join(dir, 'texts.txt');
    writeFileSync(texts, 'a siren # far away\n\n  a steady hum\n');
    const r = run('embed', '--text', texts, '--out', join(dir, 'X.npy'), '--cache-dir', cache);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'X.names.txt'), 'utf8')).toBe('a siren # far away\na steady hum\n');
    const X = asFloat32Matrix(readNpySync(join(dir, 'X.npy')), 'X');
    expect([X.rows, X.cols]).toEqual([2, 512]);
    for (const norm of rowNorms(X)) expect(norm).toBeCloseTo(1, 5);
  });
});

describe('embed: wrong use', () => {
  it('needs exactly one thing to embed, and a .npy to write', () => {
    const out = join(dir, 'U.npy');
    expectUsageError(run('embed', '--out', out), 'give one thing to embed');
    expectUsageError(run('embed', '--vocab', 'demo', '--text', 'x.txt', '--out', out), '--vocab, --text');
    expectUsageError(run('embed', 'a.wav', '--labels', 'x.txt', '--out', out), 'a.wav, --labels');
    expectUsageError(run('embed', '--vocab', 'demo', '--out', join(dir, 'U.txt')), '--out must name a .npy file');
    expectUsageError(run('embed', '--vocab', 'demo'), "required option '--out <FILE.npy>' not specified");
    expectUsageError(run('embed', '--labels', 'x.txt', '--classes', 'x.txt', '--out', out), '--classes');
    expect(existsSync(out)).toBe(false);
  });

  it('a hub id not in the model store, without --allow-network, is explained in the flags of the command line', () => {
    const out = join(dir, 'H.npy');
    const r = run(
      'embed',
      '--vocab',
      'demo',
      '--model',
      'Xenova/clap-htsat-unfused',
      '--out',
      out,
      '--cache-dir',
      join(dir, 'empty'),
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('--allow-network');
    expect(r.stderr).toContain(join(dir, 'empty', 'models', 'Xenova', 'clap-htsat-unfused'));
    expect(existsSync(out)).toBe(false);
  });

  it('a repeated label, and a file outside the classes, are named; nothing is written', () => {
    const labels = join(dir, 'dup.txt');
    writeFileSync(labels, 'siren\nhum\nsiren\n');
    const dup = run('embed', '--labels', labels, '--out', join(dir, 'D.npy'), '--cache-dir', cache);
    expect(dup.code, dup.stderr).toBe(1);
    expect(dup.stderr).toContain("dup.txt:3: label 'siren' repeats line 1");
    const stray = join(dir, 'stray', 'x.wav');
    mkdirSync(join(dir, 'stray'));
    writeFileSync(stray, '');
    writeFileSync(join(dir, 'two.txt'), 'siren\nhum\n');
    const r = run('embed', stray, '--classes', join(dir, 'two.txt'), '--out', join(dir, 'S.npy'));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("x.wav (folder 'stray')");
    expect(existsSync(join(dir, 'S.npy'))).toBe(false);
  });

  it.skipIf(!HAS_FFMPEG)('a file that is not audio among several is named, the others written (exit 3)', () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    makeAudio(soxCommand(join(mixed, 'a.wav'), 'synth', '3', 'sine', '440'));
    writeFileSync(join(mixed, 'b.wav'), 'not audio at all');
    const r = run('embed', mixed, '--out', join(dir, 'M.npy'), '--cache-dir', cache);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('b.wav');
    expect(r.stderr).toContain('1 of 2 inputs failed');
    expect(asFloat32Matrix(readNpySync(join(dir, 'M.npy')), 'M').rows).toBe(1);
    expect(readFileSync(join(dir, 'M.index.tsv'), 'utf8')).toMatch(/^row\t.*\n0\t.*a\.wav\t0\t0\.000\t3\.000\n$/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.skipIf(!HAS_SOX)(
    'Ctrl-C stops the run with exit 130 and leaves no file behind',
    async () => {
      // 45 minutes (at 8 kHz, 43 MB): long enough that a progress line (every 5 s without a terminal) comes before
      // the end on a fast machine; 15 minutes were embedded whole before the first line on CI's
      const file = join(dir, 'long.wav');
      const long = makeAudio({
        file,
        argv: ['sox', '-n', '-r', '8000', '-c', '1', '-b', '16', file, 'synth', '2700', 'sine', '440', 'vol', '0.3'],
      });
      const out = join(dir, 'ctrlc');
      mkdirSync(out);
      const child = spawn(process.execPath, [BIN, 'embed', long, '--out', join(out, 'L.npy'), '--cache-dir', cache], {
        cwd: ROOT,
        detached: true,
      });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // what Ctrl-C in a shell does: the whole job gets it, once the first windows are embedded
        if (/windows \(/.test(stderr) && !sent) sent = process.kill(-child.pid!, 'SIGINT');
      });
      const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
      expect(code, stderr).toBe(130);
      expect(stderr).toContain('interrupted (Ctrl-C): nothing written');
      expect(readdirSync(out)).toEqual([]);
    },
    120_000,
  );
});
