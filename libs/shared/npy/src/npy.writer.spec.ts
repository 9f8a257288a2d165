import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DTYPE_INFO, NPY_DTYPES, type NdArray, type NpyData, type NpyDtype } from './nd-array';
import { parseNpy, readNpy } from './npy.reader';
import { createNpyRowWriter, encodeNpy, writeNpy } from './npy.writer';

const fixture = (name: string): string => join(__dirname, '__fixtures__', name);
const bytesOf = (data: NpyData): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

function typedArray(dtype: NpyDtype, length: number): fc.Arbitrary<NpyData> {
  const size = { minLength: length, maxLength: length };
  switch (dtype) {
    case 'float32':
      return fc.float32Array(size);
    case 'float64':
      return fc.float64Array(size);
    case 'int32':
      return fc.int32Array(size);
    case 'int64':
      return fc.bigInt64Array(size);
    case 'uint8':
      return fc.uint8Array(size);
    case 'int16':
      return fc.int16Array(size);
  }
}

/** Any supported dtype, up to 4 dimensions of 0..4 (so 0-d and empty arrays too), random contents. */
const ndArrays: fc.Arbitrary<NdArray> = fc
  .record({ dtype: fc.constantFrom(...NPY_DTYPES), shape: fc.array(fc.nat({ max: 4 }), { maxLength: 4 }) })
  .chain(({ dtype, shape }) =>
    typedArray(
      dtype,
      shape.reduce((a, b) => a * b, 1),
    ).map((data) => ({ dtype, shape, data })),
  );

const tmp = mkdtempSync(join(tmpdir(), 'npy-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('encodeNpy', () => {
  it.each([
    [
      'f4-2x3.npy',
      { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1.5, -2.25, 0, Infinity, -Infinity, 3e-38) },
    ],
    ['f8-vec.npy', { dtype: 'float64', shape: [4], data: Float64Array.of(0.1, -1e300, 5e-324, NaN) }],
    ['i4-2x2.npy', { dtype: 'int32', shape: [2, 2], data: Int32Array.of(1, -2, 2 ** 31 - 1, -(2 ** 31)) }],
    ['i8-vec.npy', { dtype: 'int64', shape: [4], data: BigInt64Array.of(0n, -1n, 2n ** 62n, -(2n ** 63n)) }],
    ['u1-vec.npy', { dtype: 'uint8', shape: [3], data: Uint8Array.of(0, 127, 255) }],
    ['i2-2x2x2.npy', { dtype: 'int16', shape: [2, 2, 2], data: Int16Array.of(-4, -3, -2, -1, 0, 1, 2, 3) }],
    ['f8-scalar.npy', { dtype: 'float64', shape: [], data: Float64Array.of(3.5) }],
    ['f4-empty-0x3.npy', { dtype: 'float32', shape: [0, 3], data: new Float32Array(0) }],
  ] as [string, NdArray][])('writes the same bytes as NumPy (%s)', (name, arr) => {
    expect(Buffer.from(encodeNpy(arr))).toEqual(readFileSync(fixture(name)));
  });

  it('writes version 1.0 with the data aligned to 64 bytes and the header ending in a newline', () => {
    fc.assert(
      fc.property(ndArrays, (arr) => {
        const bytes = encodeNpy(arr);
        const dataOffset = bytes.length - arr.data.byteLength;
        expect(bytes[6]).toBe(1);
        expect(dataOffset % 64).toBe(0);
        expect(10 + (bytes[8] | (bytes[9] << 8))).toBe(dataOffset);
        expect(bytes[dataOffset - 1]).toBe(0x0a);
      }),
    );
  });

  it('round-trips every dtype and shape through parseNpy, bit for bit', () => {
    fc.assert(
      fc.property(ndArrays, (arr) => {
        const back = parseNpy(encodeNpy(arr));
        expect(back.dtype).toBe(arr.dtype);
        expect(back.shape).toEqual(arr.shape);
        expect(back.data[Symbol.toStringTag]).toBe(DTYPE_INFO[arr.dtype].arrayName);
        expect(bytesOf(back.data)).toEqual(bytesOf(arr.data));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes a view into a larger buffer from its own offset', () => {
    const whole = Float64Array.of(9, 1, 2, 3, 9);
    const arr: NdArray = { dtype: 'float64', shape: [3], data: whole.subarray(1, 4) };
    expect(parseNpy(encodeNpy(arr)).data).toEqual(Float64Array.of(1, 2, 3));
  });

  it('switches to version 2.0 when the header does not fit in 65535 bytes', () => {
    const shape = new Array<number>(25_000).fill(1);
    const bytes = encodeNpy({ dtype: 'int16', shape, data: Int16Array.of(7) });
    expect(bytes[6]).toBe(2);
    expect((bytes.length - 2) % 64).toBe(0);
    const back = parseNpy(bytes);
    expect(back.shape).toEqual(shape);
    expect(back.data).toEqual(Int16Array.of(7));
  });

  it('rejects inconsistent arrays', () => {
    const bad: [unknown, typeof InvalidInputError | typeof ShapeMismatchError, string][] = [
      [
        { dtype: 'float32', shape: [2], data: Float64Array.of(1, 2) },
        InvalidInputError,
        'needs a Float32Array, got Float64Array',
      ],
      [{ dtype: 'int64', shape: [1], data: Int32Array.of(1) }, InvalidInputError, 'needs a BigInt64Array'],
      [{ dtype: 'int64', shape: [1], data: [1n] }, InvalidInputError, 'needs a BigInt64Array, got object'],
      [{ dtype: 'complex', shape: [1], data: Float64Array.of(1) }, InvalidInputError, "unknown dtype 'complex'"],
      [
        { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) },
        ShapeMismatchError,
        'data has 3 elements but shape (2, 2) needs 4',
      ],
      [{ dtype: 'float32', shape: [], data: new Float32Array(0) }, ShapeMismatchError, 'shape () needs 1'],
      [{ dtype: 'float32', shape: [-1], data: new Float32Array(0) }, InvalidInputError, 'invalid dimension -1'],
      [{ dtype: 'float32', shape: [1.5], data: new Float32Array(1) }, InvalidInputError, 'invalid dimension 1.5'],
    ];
    for (const [arr, type, words] of bad) {
      expect(() => encodeNpy(arr as NdArray)).toThrow(type);
      expect(() => encodeNpy(arr as NdArray)).toThrow(words);
    }
  });
});

describe('writeNpy', () => {
  it('writes a file readNpy reads back, replacing an existing one, leaving no temporary files', async () => {
    const dir = mkdtempSync(join(tmp, 'write-'));
    const path = join(dir, 'a.npy');
    await writeNpy(path, { dtype: 'int32', shape: [2], data: Int32Array.of(1, 2) });
    await writeNpy(path, { dtype: 'float32', shape: [1, 3], data: Float32Array.of(4, 5, 6) });
    expect(await readNpy(path)).toEqual({ dtype: 'float32', shape: [1, 3], data: Float32Array.of(4, 5, 6) });
    expect(readdirSync(dir)).toEqual(['a.npy']);
  });

  it('leaves the old file in place and no temporary file when the array is invalid', async () => {
    const dir = mkdtempSync(join(tmp, 'invalid-'));
    const path = join(dir, 'a.npy');
    writeFileSync(path, 'old');
    await expect(writeNpy(path, { dtype: 'int32', shape: [3], data: Int32Array.of(1) })).rejects.toThrow(
      ShapeMismatchError,
    );
    await expect(writeNpy(path, { dtype: 'int32', shape: [3], data: Int32Array.of(1) })).rejects.toThrow(path);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['a.npy']);
  });

  it('cleans up its temporary file when the rename fails', async () => {
    const dir = mkdtempSync(join(tmp, 'rename-'));
    // A file cannot be renamed over a (non-empty) directory.
    const target = join(dir, 'is-a-directory.npy');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), '');
    await expect(writeNpy(target, { dtype: 'uint8', shape: [1], data: Uint8Array.of(1) })).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['is-a-directory.npy']);
  });

  it('fails when the directory does not exist', async () => {
    await expect(
      writeNpy(join(tmp, 'missing', 'a.npy'), { dtype: 'uint8', shape: [1], data: Uint8Array.of(1) }),
    ).rejects.toThrow(/ENOENT/);
  });
});

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

describe('NumPy compatibility', () => {
  it.skipIf(!hasNumpy)(
    'NumPy reads what encodeNpy writes (same dtype, shape and data) and writes the same bytes',
    () => {
      const dir = mkdtempSync(join(tmp, 'numpy-'));
      const arrays: NdArray[] = [
        { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
        { dtype: 'float64', shape: [], data: Float64Array.of(-0.5) },
        { dtype: 'int64', shape: [0], data: new BigInt64Array(0) },
        { dtype: 'uint8', shape: [3, 0, 2], data: new Uint8Array(0) },
        ...fc.sample(ndArrays, { numRuns: 40, seed: 20240601 }),
        // Headers of many lengths, so that NumPy's padding rules (64-byte alignment, room for the first
        // dimension to grow) are exercised across block boundaries.
        ...Array.from({ length: 24 }, (_, k): NdArray => ({
          dtype: 'uint8',
          shape: [10 ** (k % 12), ...new Array<number>(k).fill(1), 0],
          data: new Uint8Array(0),
        })),
      ];
      const paths = arrays.map((arr, i) => {
        const path = join(dir, `${i}.npy`);
        writeFileSync(path, encodeNpy(arr));
        return path;
      });
      const script = [
        'import io, json, sys, numpy as np',
        'for p in sys.argv[1:]:',
        '    a = np.load(p, allow_pickle=False)',
        '    f = io.BytesIO()',
        '    np.save(f, a)',
        '    resaved = f.getvalue() == open(p, "rb").read()',
        '    print(json.dumps({"descr": a.dtype.str, "shape": list(a.shape), "c": bool(a.flags.c_contiguous), "hex": a.tobytes().hex(), "same": resaved}))',
      ].join('\n');
      const result = spawnSync('python3', ['-c', script, ...paths], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(arrays.length);
      lines.forEach((line, i) => {
        const arr = arrays[i];
        expect(JSON.parse(line)).toEqual({
          descr: DTYPE_INFO[arr.dtype].descr,
          shape: arr.shape,
          c: true,
          hex: Buffer.from(bytesOf(arr.data)).toString('hex'),
          same: true,
        });
      });
    },
  );
});

describe('createNpyRowWriter', () => {
  it('writes rows in chunks into a file readNpy reads back, and only renames it into place when complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-rows-'));
    const path = join(dir, 'w.npy');
    const writer = await createNpyRowWriter(path, 'float64', [5, 3]);
    const all = Float64Array.from({ length: 15 }, (_, i) => i / 7);
    await writer.write(all.subarray(0, 6));
    expect(existsSync(path)).toBe(false);
    await writer.write(all.subarray(6, 15));
    await writer.close();
    const back = await readNpy(path);
    expect(back.shape).toEqual([5, 3]);
    expect(Array.from(back.data as Float64Array)).toEqual(Array.from(all));

    const short = await createNpyRowWriter(join(dir, 'short.npy'), 'float32', [2, 2]);
    await short.write(new Float32Array(2));
    await expect(short.close()).rejects.toThrow('only 2 of 4 values were written for shape [2, 2]');
    expect(existsSync(join(dir, 'short.npy'))).toBe(false);
    const over = await createNpyRowWriter(join(dir, 'over.npy'), 'float32', [1, 2]);
    await expect(over.write(new Float32Array(3))).rejects.toThrow('3 values exceed the declared shape [1, 2]');
    await over.abort();
  });
});
