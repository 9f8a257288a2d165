import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@audio-concepts/decomposer-concepts';
import { asFloat64Matrix, encodeNpy, readNpySync, writeNpy } from '@audio-concepts/shared-npy';
import { checkOptimality } from '@audio-concepts/decomposer-lasso';

/** These tests run the built command line exactly as a user does (`npm run build` first; nx does). */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');
const FIXTURES = join(ROOT, 'libs', 'decomposer', 'lasso', 'src', '__fixtures__', 'lasso');

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  return runWith(process.env, ...args);
}

function runWith(env: NodeJS.ProcessEnv, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 120_000, env });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A failing run prints exactly one line on stderr, names the problem and has no stack trace. */
function expectCleanError(r: ReturnType<typeof run>, code: number, ...fragments: string[]): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  for (const f of fragments) expect(lines[0]).toContain(f);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

let dir: string;
const small = join(FIXTURES, 'small');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-spec-'));
});

describe('decompose --raw', () => {
  it('--json prints exactly the contract keys; --objectives-out holds the scikit-learn objectives', () => {
    const meta = JSON.parse(readFileSync(join(small, 'meta.json'), 'utf8'));
    const out = join(dir, 'W.npy');
    const objectivesOut = join(dir, 'F.npy');
    const r = run(
      'decompose',
      '--concepts',
      join(small, 'C.npy'),
      '--embeddings',
      join(small, 'Z.npy'),
      '--lambda',
      '0.05',
      '--out',
      out,
      '--objectives-out',
      objectivesOut,
      '--raw',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    expect(Object.keys(report).sort()).toEqual([
      'c',
      'd',
      'l0_mean',
      'lambda',
      'n',
      'objective_max',
      'objective_mean',
      'samples_per_s',
    ]);
    expect([report.n, report.c, report.d, report.lambda]).toEqual([16, 200, 64, 0.05]);
    expect(report.l0_mean).toBeCloseTo(meta.solutions['0.05'].l0_mean, 6);
    const expected: number[] = meta.solutions['0.05'].objective;
    const F = readNpySync(objectivesOut);
    expect([F.dtype, F.shape]).toEqual(['float64', [16]]);
    for (let i = 0; i < 16; i++) expect(Math.abs(F.data[i] - expected[i]) / expected[i]).toBeLessThan(1e-6);
    const mean = expected.reduce((a, b) => a + b, 0) / expected.length;
    expect(Math.abs(report.objective_mean - mean) / mean).toBeLessThan(1e-6);
    expect(Math.abs(report.objective_max - Math.max(...expected)) / Math.max(...expected)).toBeLessThan(1e-6);
    expect(report.samples_per_s).toBeGreaterThan(0);
    const W = asFloat64Matrix(readNpySync(out), 'W');
    expect([W.rows, W.cols]).toEqual([16, 200]);
    const reference = asFloat64Matrix(readNpySync(join(small, 'W_0.05.npy')), 'W_ref');
    let worst = 0;
    for (let i = 0; i < W.data.length; i++) worst = Math.max(worst, Math.abs(W.data[i] - reference.data[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  it('--max-concepts K: at most K per row, each row optimal (KKT) at the λ written to --lambdas-out', () => {
    const C = asFloat64Matrix(readNpySync(join(small, 'C.npy')), 'C');
    const Z = asFloat64Matrix(readNpySync(join(small, 'Z.npy')), 'Z');
    const out = join(dir, 'W-capped.npy');
    const lambdasOut = join(dir, 'L-capped.npy');
    const args = ['decompose', '--concepts', join(small, 'C.npy'), '--embeddings', join(small, 'Z.npy'), '--raw'];
    const r = run(
      ...args,
      '--lambda',
      '0.05',
      '--max-concepts',
      '5',
      '--out',
      out,
      '--lambdas-out',
      lambdasOut,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect([report.max_concepts, report.l0_max]).toEqual([5, 5]);
    const W = asFloat64Matrix(readNpySync(out), 'W');
    const L = readNpySync(lambdasOut);
    expect([L.dtype, L.shape]).toEqual(['float64', [16]]);
    let lambdaSum = 0;
    for (let i = 0; i < 16; i++) {
      const w = W.data.subarray(i * 200, (i + 1) * 200);
      expect(w.filter((x) => x > 0).length).toBeLessThanOrEqual(5);
      expect(L.data[i]).toBeGreaterThan(0.05);
      const kkt = checkOptimality(C.data, 200, 64, Z.data.subarray(i * 64, (i + 1) * 64), w, L.data[i]);
      expect(kkt.supportResidual).toBeLessThan(1e-6);
      expect(kkt.offSupportViolation).toBeLessThan(1e-6);
      expect(kkt.minWeight).toBeGreaterThanOrEqual(0);
      lambdaSum += L.data[i];
    }
    expect(report.lambda_mean).toBeCloseTo(lambdaSum / 16, 12);
    expect(Z.rows).toBe(16);
    expectCleanError(run(...args, '--lambda', '0.05', '--max-concepts', '0'), 2, '--max-concepts');
  });

  it('without --json prints a summary, and the top concepts per row with --concept-names', () => {
    const names = join(dir, 'names.txt');
    writeFileSync(names, Array.from({ length: 200 }, (_, j) => `concept-${j}`).join('\n') + '\n');
    const r = run(
      'decompose',
      '--concepts',
      join(small, 'C.npy'),
      '--embeddings',
      join(small, 'Z.npy'),
      '--lambda',
      '0.15',
      '--raw',
      '--concept-names',
      names,
      '--top',
      '3',
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(17);
    expect(lines[0]).toMatch(/^0: concept-\d+ \d\.\d{3}, concept-\d+ \d\.\d{3}, concept-\d+ \d\.\d{3}$/);
    expect(lines[16]).toMatch(/^decomposed 16 embeddings over 200 concepts \(d = 64, λ = 0\.15\) in [\d.]+ s/);
    // CI builds the native kernel (a C compiler is installed); elsewhere the line says which ran.
    expect(lines[16]).toMatch(
      process.env.CI ? /samples\/s, native kernels\)/ : /samples\/s, (native|webassembly) kernels\)/,
    );
  });
  it('--json with --concept-names prints one line per row with its top concepts, then the summary', () => {
    const names = join(dir, 'names-json.txt');
    writeFileSync(names, Array.from({ length: 200 }, (_, j) => `concept-${j}`).join('\n') + '\n');
    const args = ['decompose', '--concepts', join(small, 'C.npy'), '--embeddings', join(small, 'Z.npy')];
    const common = [...args, '--lambda', '0.15', '--raw', '--concept-names', names, '--top', '3'];
    const r = run(...common, '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(17);
    const text = run(...common)
      .stdout.trim()
      .split('\n');
    lines.slice(0, 16).forEach((row, i) => {
      expect(Object.keys(row).sort()).toEqual(['concepts', 'l0', 'objective', 'row']);
      expect(row.row).toBe(i);
      expect(row.concepts.length).toBeGreaterThan(0);
      expect(row.concepts.length).toBeLessThanOrEqual(3);
      expect(row.l0).toBeGreaterThanOrEqual(row.concepts.length);
      // the same concepts, in the same order, as the text output's line for the row
      const fromText = `${i}: ${row.concepts.map((c: { label: string; weight: number }) => `${c.label} ${c.weight.toFixed(3)}`).join(', ')}`;
      expect(fromText).toBe(text[i]);
    });
    expect(Object.keys(lines[16]).sort()).toEqual([
      'c',
      'd',
      'l0_mean',
      'lambda',
      'n',
      'objective_max',
      'objective_mean',
      'samples_per_s',
    ]);
    expect(lines.slice(0, 16).reduce((sum, row) => sum + row.l0, 0) / 16).toBeCloseTo(lines[16].l0_mean, 9);
  });
});

describe('decompose without --raw', () => {
  it('centers the concepts, says m_a = 0 without a reference corpus, and uses one when given', () => {
    const base = [
      'decompose',
      '--concepts',
      join(small, 'C.npy'),
      '--embeddings',
      join(small, 'Z.npy'),
      '--lambda',
      '0.05',
      '--json',
    ];
    const plain = run(...base);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain('audio mean m_a = 0');
    const withMean = run(...base, '--audio-mean-from', join(small, 'Z.npy'));
    expect(withMean.code, withMean.stderr).toBe(0);
    expect(withMean.stderr).not.toContain('m_a = 0');
    expect(JSON.parse(withMean.stdout).objective_mean).not.toEqual(JSON.parse(plain.stdout).objective_mean);
  });
});

describe('eval zero-shot', () => {
  it('reports dense and concept accuracy with exactly the contract keys', async () => {
    // A synthetic world: 6 classes whose prompts are concept embeddings; each clip is its class's concept plus noise.
    const rand = mulberry32(3);
    const d = 24;
    const c = 30;
    const k = 6;
    const n = 60;
    const T = Float64Array.from({ length: c * d }, () => rand() - 0.5);
    const prompts = T.slice(0, k * d);
    const labels = Int32Array.from({ length: n }, (_, i) => i % k);
    const audio = new Float64Array(n * d);
    for (let i = 0; i < n; i++)
      for (let t = 0; t < d; t++) audio[i * d + t] = T[labels[i] * d + t] + 0.05 * (rand() - 0.5);
    const write = async (name: string, data: Float64Array | Int32Array, shape: number[]) => {
      const path = join(dir, name);
      await writeNpy(path, { data, shape, dtype: data instanceof Int32Array ? 'int32' : 'float64' });
      return path;
    };
    const args = [
      'eval',
      'zero-shot',
      '--audio',
      await write('A.npy', audio, [n, d]),
      '--labels',
      await write('y.npy', labels, [n]),
      '--prompts',
      await write('P.npy', prompts, [k, d]),
      '--concepts',
      await write('T.npy', T, [c, d]),
      '--audio-mean-from',
      await write(
        'M.npy',
        Float64Array.from({ length: 20 * d }, () => rand() - 0.5),
        [20, d],
      ),
      '--lambda',
      '0.05',
      '--json',
    ];
    const r = run(...args);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report).sort()).toEqual([
      'concept_acc',
      'concept_f1',
      'concepts',
      'cos_mean',
      'dense_acc',
      'dense_f1',
      'l0_mean',
      'n',
    ]);
    expect(report.n).toBe(n);
    expect(report.concepts).toBe(c);
    expect(report.dense_acc).toBe(1);
    expect(report.concept_acc).toBeGreaterThan(0.9);
    expect(report.l0_mean).toBeGreaterThan(0);
    expect(report.cos_mean).toBeGreaterThan(0.5);

    const badLabels = await write(
      'y_bad.npy',
      Int32Array.from({ length: n }, (_, i) => (i === 5 ? 9 : 0)),
      [n],
    );
    const bad = run(...args.map((a) => (a.endsWith('y.npy') ? badLabels : a)));
    expectCleanError(bad, 1, 'labels[5] = 9 is out of range');
  });
});

describe('help', () => {
  // Only the named command's module is loaded; without a command name, all are (the list, `help X`, suggestions).
  it('lists every command, answers `help decompose`, and suggests the command a typo meant', () => {
    const list = run('--help');
    expect(list.code).toBe(0);
    for (const command of [
      'tag',
      'embed',
      'decompose',
      'eval',
      'space',
      'stack',
      'tail',
      'drift',
      'train-head',
      'vocab',
    ])
      expect(list.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const help = run('help', 'decompose');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: audio-concepts decompose');
    const typo = run('decompos', '--raw');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown command 'decompos'");
    expect(typo.stderr).toContain('Did you mean decompose?');
  });

  it.each(['', 'decompose', 'eval', 'eval zero-shot'])('"%s --help" exits 0 and lists the flags', (line) => {
    const command = line.split(' ').filter(Boolean);
    const r = run(...command, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: audio-concepts');
    if (command[0] === 'decompose')
      for (const flag of ['--concepts', '--embeddings', '--lambda', '--out', '--raw', '--json', '--concept-names'])
        expect(r.stdout).toContain(flag);
    if (command[1] === 'zero-shot')
      for (const flag of [
        '--audio',
        '--labels',
        '--prompts',
        '--concepts',
        '--audio-mean-from',
        '--lambda',
        '--head',
        '--json',
      ])
        expect(r.stdout).toContain(flag);
  });
});

describe('bad input: one clear line on stderr and a non-zero exit', () => {
  const npy = (name: string, bytes: Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const decompose = (concepts: string, embeddings: string, ...extra: string[]) =>
    run('decompose', '--concepts', concepts, '--embeddings', embeddings, '--lambda', '0.05', '--raw', ...extra);

  it('AUDIO_CONCEPTS_LASSO_KERNELS picks the kernels, and a value it does not know is named', () => {
    const args = ['decompose', '--concepts', join(small, 'C.npy'), '--embeddings', join(small, 'Z.npy')];
    const withKernels = (value: string) =>
      runWith({ ...process.env, AUDIO_CONCEPTS_LASSO_KERNELS: value }, ...args, '--lambda', '0.05', '--raw');
    const portable = withKernels('webassembly');
    expect(portable.code, portable.stderr).toBe(0);
    expect(portable.stdout).toContain('samples/s, webassembly kernels)');
    expectCleanError(withKernels('gpu'), 1, 'AUDIO_CONCEPTS_LASSO_KERNELS=gpu: expected one of native, webassembly');
  });

  it('a missing file', () => {
    expectCleanError(
      decompose(join(dir, 'nope.npy'), join(small, 'Z.npy')),
      1,
      'nope.npy',
      'no such file or directory',
    );
  });

  it('a file that is not .npy', () => {
    expectCleanError(decompose(join(small, 'meta.json'), join(small, 'Z.npy')), 1, 'meta.json', 'not a .npy file');
  });

  it('a truncated .npy', () => {
    const bytes = readFileSync(join(small, 'Z.npy'));
    const cut = npy('Z_cut.npy', bytes.subarray(0, bytes.length - 100));
    expectCleanError(decompose(join(small, 'C.npy'), cut), 1, 'Z_cut.npy', 'truncated');
  });

  it('Fortran order and big-endian arrays', () => {
    const header = (descr: string, fortran: boolean) => {
      const text =
        `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (2, 64), }`.padEnd(117, ' ') +
        '\n';
      return Buffer.concat([
        Buffer.from([0x93]),
        Buffer.from('NUMPY'),
        Buffer.from([1, 0, text.length, 0]),
        Buffer.from(text),
        Buffer.alloc(2 * 64 * 4),
      ]);
    };
    expectCleanError(
      decompose(join(small, 'C.npy'), npy('fortran.npy', header('<f4', true))),
      1,
      'fortran.npy',
      'Fortran order',
    );
    expectCleanError(decompose(join(small, 'C.npy'), npy('big.npy', header('>f4', false))), 1, 'big.npy', 'big-endian');
  });

  it('an object array and a header that lies about the shape', () => {
    const raw = (name: string, descr: string, shape: string, dataBytes: number) => {
      const text = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`.padEnd(117, ' ') + '\n';
      const bytes = Buffer.concat([
        Buffer.from([0x93]),
        Buffer.from('NUMPY'),
        Buffer.from([1, 0, text.length, 0]),
        Buffer.from(text),
        Buffer.alloc(dataBytes),
      ]);
      return npy(name, bytes);
    };
    expectCleanError(
      decompose(join(small, 'C.npy'), raw('object.npy', '|O', '(2, 64)', 16)),
      1,
      'object.npy',
      "unsupported dtype '|O'",
    );
    // the header says 2 rows of 64 float32, the file holds 3
    expectCleanError(
      decompose(join(small, 'C.npy'), raw('lying.npy', '<f4', '(2, 64)', 3 * 64 * 4)),
      1,
      'lying.npy',
      'does not match the shape',
    );
  });

  it('NaN in the concepts names the row and column', () => {
    const C = asFloat64Matrix(readNpySync(join(small, 'C.npy')), 'C');
    C.data[11 * 64 + 2] = Infinity;
    const path = npy('C_inf.npy', encodeNpy({ data: C.data, shape: [200, 64], dtype: 'float64' }));
    expectCleanError(decompose(path, join(small, 'Z.npy')), 1, 'Infinity at row 11, column 2');
  });

  it('mismatched dimensions name both shapes', () => {
    expectCleanError(decompose(join(FIXTURES, 'medium', 'C.npy'), join(small, 'Z.npy')), 1, '[16, 64]', '[2000, 512]');
  });

  it('NaN in the embeddings names the row and column', () => {
    const Z = asFloat64Matrix(readNpySync(join(small, 'Z.npy')), 'Z');
    Z.data[3 * 64 + 7] = NaN;
    const path = npy('Z_nan.npy', encodeNpy({ data: Z.data, shape: [16, 64], dtype: 'float64' }));
    expectCleanError(decompose(join(small, 'C.npy'), path), 1, 'NaN at row 3, column 7');
  });

  it('a zero embedding row is named', () => {
    const Z = asFloat64Matrix(readNpySync(join(small, 'Z.npy')), 'Z');
    Z.data.fill(0, 2 * 64, 3 * 64);
    const path = npy('Z_zero.npy', encodeNpy({ data: Z.data, shape: [16, 64], dtype: 'float64' }));
    expectCleanError(decompose(join(small, 'C.npy'), path), 1, 'row 2 is all zeros');
  });

  it('a concept-names file with the wrong number of lines', () => {
    const names = join(dir, 'three.txt');
    writeFileSync(names, 'a\nb\nc\n');
    expectCleanError(
      decompose(join(small, 'C.npy'), join(small, 'Z.npy'), '--concept-names', names),
      1,
      '3 concept names for 200 concepts',
    );
  });

  it('an unwritable output leaves nothing behind', () => {
    expectCleanError(
      decompose(join(small, 'C.npy'), join(small, 'Z.npy'), '--out', join(dir, 'no-such-dir', 'W.npy')),
      1,
      'no-such-dir',
    );
  });

  it('an unwritable --objectives-out fails cleanly and leaves no weights behind', () => {
    const out = join(dir, 'W-unwritten.npy');
    const objectives = join(dir, 'no-such-dir', 'F.npy');
    expectCleanError(
      decompose(join(small, 'C.npy'), join(small, 'Z.npy'), '--out', out, '--objectives-out', objectives),
      1,
      'no-such-dir',
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('W-unwritten'))).toEqual([]);
  });

  it('--out and --objectives-out may not name the same file', () => {
    const same = join(dir, 'same.npy');
    expectCleanError(
      decompose(join(small, 'C.npy'), join(small, 'Z.npy'), '--out', same, '--objectives-out', same),
      2,
      'same file',
    );
  });

  it('usage errors exit 2: a bad λ, an unknown flag, a missing required flag', () => {
    expect(decompose(join(small, 'C.npy'), join(small, 'Z.npy'), '--lambda', '-1').code).toBe(2);
    const unknown = decompose(join(small, 'C.npy'), join(small, 'Z.npy'), '--frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--frobnicate'");
    const missing = run('decompose', '--concepts', join(small, 'C.npy'), '--lambda', '0.1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--embeddings <Z.npy>' not specified");
  });

  it('--debug adds the stack trace', () => {
    const r = decompose(join(dir, 'nope.npy'), join(small, 'Z.npy'), '--debug');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').length).toBeGreaterThan(2);
  });
});
