/*
 * The golden files in __fixtures__/ were made with NumPy 2.4 by this script, run from the repository root:
 *
 *   import numpy as np
 *   from numpy.lib import format as fmt
 *
 *   out = 'libs/shared/npy/src/__fixtures__/'
 *   np.save(out + 'f4-2x3.npy', np.array([[1.5, -2.25, 0.0], [np.inf, -np.inf, 3e-38]], dtype='<f4'))
 *   np.save(out + 'f8-vec.npy', np.array([0.1, -1e300, 5e-324, np.nan], dtype='<f8'))
 *   np.save(out + 'i4-2x2.npy', np.array([[1, -2], [2**31 - 1, -2**31]], dtype='<i4'))
 *   np.save(out + 'i8-vec.npy', np.array([0, -1, 2**62, -2**63], dtype='<i8'))
 *   np.save(out + 'u1-vec.npy', np.array([0, 127, 255], dtype='u1'))
 *   np.save(out + 'i2-2x2x2.npy', np.arange(-4, 4, dtype='<i2').reshape(2, 2, 2))
 *   np.save(out + 'f8-scalar.npy', np.array(3.5))
 *   np.save(out + 'f4-empty-0x3.npy', np.zeros((0, 3), dtype='<f4'))
 *   with open(out + 'f4-v2.npy', 'wb') as f:
 *       fmt.write_array(f, np.array([1, 2, 3], dtype='<f4'), version=(2, 0))
 *   with open(out + 'f4-v3.npy', 'wb') as f:
 *       fmt.write_array(f, np.array([1, 2, 3], dtype='<f4'), version=(3, 0))
 *   np.save(out + 'f8-fortran-2x3.npy', np.asfortranarray(np.arange(6, dtype='<f8').reshape(2, 3)))
 *   np.save(out + 'f4-big-endian.npy', np.array([1, 2, 3], dtype='>f4'))
 *   np.save(out + 'object.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)
 *   np.save(out + 'c16-vec.npy', np.array([1 + 2j], dtype='<c16'))
 *   np.save(out + 'u5-vec.npy', np.array(['abc'], dtype='<U5'))
 */
import { FormatError } from '@audio-concepts/shared-errors';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy, readNpy, readNpySync } from './npy.reader';

const fixture = (name: string): string => join(__dirname, '__fixtures__', name);

/** A .npy file with a hand-written header; `pad` aligns the data to 64 bytes like NumPy does. */
function rawNpy(
  header: string,
  data: ArrayLike<number> = [],
  { major = 1, minor = 0, pad = true }: { major?: number; minor?: number; pad?: boolean } = {},
): Uint8Array {
  const lengthBytes = major === 1 ? 2 : 4;
  let text = header;
  if (pad) {
    const unpadded = 8 + lengthBytes + Buffer.byteLength(text, major === 3 ? 'utf8' : 'latin1') + 1;
    text += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  }
  const headerBytes = Buffer.from(text, major === 3 ? 'utf8' : 'latin1');
  const prefix = Buffer.alloc(8 + lengthBytes);
  Buffer.from([0x93, ...Buffer.from('NUMPY'), major, minor]).copy(prefix);
  if (lengthBytes === 2) prefix.writeUInt16LE(headerBytes.length, 8);
  else prefix.writeUInt32LE(headerBytes.length, 8);
  return new Uint8Array(Buffer.concat([prefix, headerBytes, Buffer.from(Uint8Array.from(data))]));
}

const f4Header = (shape: string, descr = '<f4'): string =>
  `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;

/** Expects parseNpy to throw a FormatError that names the source and says every one of `words`. */
function expectFormatError(bytes: Uint8Array, ...words: string[]): void {
  const source = '/data/x.npy';
  let error: unknown;
  try {
    parseNpy(bytes, source);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FormatError);
  const { message, path } = error as FormatError;
  expect(path).toBe(source);
  expect(message).toContain(source);
  for (const word of words) expect(message).toContain(word);
}

describe('parseNpy on files written by NumPy', () => {
  it('reads float32 2x3', async () => {
    const arr = await readNpy(fixture('f4-2x3.npy'));
    expect(arr.dtype).toBe('float32');
    expect(arr.shape).toEqual([2, 3]);
    expect(arr.data).toBeInstanceOf(Float32Array);
    expect(Array.from(arr.data)).toEqual([1.5, -2.25, 0, Infinity, -Infinity, Math.fround(3e-38)]);
  });

  it('reads a float64 vector with NaN and a subnormal', () => {
    const arr = readNpySync(fixture('f8-vec.npy'));
    expect(arr).toMatchObject({ dtype: 'float64', shape: [4] });
    expect(arr.data).toBeInstanceOf(Float64Array);
    expect(Array.from(arr.data)).toEqual([0.1, -1e300, 5e-324, NaN]);
  });

  it('reads int32 2x2 including the extremes', () => {
    const arr = readNpySync(fixture('i4-2x2.npy'));
    expect(arr).toMatchObject({ dtype: 'int32', shape: [2, 2] });
    expect(arr.data).toEqual(Int32Array.of(1, -2, 2 ** 31 - 1, -(2 ** 31)));
  });

  it('reads int64 into a BigInt64Array without losing precision', () => {
    const arr = readNpySync(fixture('i8-vec.npy'));
    expect(arr).toMatchObject({ dtype: 'int64', shape: [4] });
    expect(arr.data).toEqual(BigInt64Array.of(0n, -1n, 2n ** 62n, -(2n ** 63n)));
  });

  it('reads uint8 (descr |u1)', () => {
    const arr = readNpySync(fixture('u1-vec.npy'));
    expect(arr).toMatchObject({ dtype: 'uint8', shape: [3] });
    expect(arr.data).toEqual(Uint8Array.of(0, 127, 255));
  });

  it('reads a 3-D int16 array in row-major order', () => {
    const arr = readNpySync(fixture('i2-2x2x2.npy'));
    expect(arr).toMatchObject({ dtype: 'int16', shape: [2, 2, 2] });
    expect(arr.data).toEqual(Int16Array.of(-4, -3, -2, -1, 0, 1, 2, 3));
  });

  it('reads a 0-d array (shape ())', () => {
    const arr = readNpySync(fixture('f8-scalar.npy'));
    expect(arr).toMatchObject({ dtype: 'float64', shape: [] });
    expect(Array.from(arr.data)).toEqual([3.5]);
  });

  it('reads an empty array (shape (0, 3))', () => {
    const arr = readNpySync(fixture('f4-empty-0x3.npy'));
    expect(arr).toMatchObject({ dtype: 'float32', shape: [0, 3] });
    expect(arr.data.length).toBe(0);
  });

  it.each(['f4-v2.npy', 'f4-v3.npy'])('reads format version 2.0 and 3.0 (%s)', (name) => {
    const arr = readNpySync(fixture(name));
    expect(arr).toMatchObject({ dtype: 'float32', shape: [3] });
    expect(arr.data).toEqual(Float32Array.of(1, 2, 3));
  });

  it('readNpy, readNpySync and parseNpy agree', async () => {
    const path = fixture('i2-2x2x2.npy');
    expect(await readNpy(path)).toEqual(parseNpy(readFileSync(path)));
    expect(readNpySync(path)).toEqual(parseNpy(readFileSync(path)));
  });
});

describe('parseNpy rejects unsupported files with a clear message', () => {
  it.each([
    ['f8-fortran-2x3.npy', 'Fortran order'],
    ['f4-big-endian.npy', "big-endian dtype '>f4'"],
    ['object.npy', "unsupported dtype '|O'"],
    ['c16-vec.npy', "unsupported dtype '<c16'"],
    ['u5-vec.npy', "unsupported dtype '<U5'"],
  ])('%s → %s', async (name, words) => {
    const path = fixture(name);
    await expect(readNpy(path)).rejects.toThrow(FormatError);
    await expect(readNpy(path)).rejects.toThrow(words);
    await expect(readNpy(path)).rejects.toThrow(path);
    expect(() => readNpySync(path)).toThrow(words);
  });

  it('rejects a structured dtype', () => {
    expectFormatError(rawNpy(f4Header('(1,)').replace("'<f4'", "[('a', '<f4')]")), 'unsupported dtype', "('a', '<f4')");
  });

  it('rejects other files (bad magic string) and empty files', () => {
    expectFormatError(new Uint8Array(Buffer.from('\x89PNG\r\n\x1a\n....')), 'not a .npy file', 'PNG');
    expectFormatError(new Uint8Array(0), 'not a .npy file', 'empty file');
    expectFormatError(new Uint8Array(Buffer.from('\x93NUMP')), 'not a .npy file');
  });

  it('rejects unsupported versions', () => {
    expectFormatError(rawNpy(f4Header('(0,)'), [], { major: 4 }), 'unsupported .npy version 4.0');
    expectFormatError(rawNpy(f4Header('(0,)'), [], { major: 1, minor: 1 }), 'unsupported .npy version 1.1');
    expectFormatError(rawNpy(f4Header('(0,)'), [], { major: 0 }), 'unsupported .npy version 0.0');
  });

  it('rejects truncated data, naming the expected and actual byte counts', () => {
    const bytes = readFileSync(fixture('f4-2x3.npy'));
    expectFormatError(bytes.subarray(0, bytes.length - 4), 'truncated', 'needs 24 bytes', 'has 20');
    expectFormatError(bytes.subarray(0, 128), 'truncated', 'needs 24 bytes', 'has 0');
  });

  it('rejects a truncated header', () => {
    const bytes = readFileSync(fixture('f4-2x3.npy'));
    expectFormatError(bytes.subarray(0, 60), 'truncated header', '118 bytes', 'only 50');
    expectFormatError(bytes.subarray(0, 9), 'truncated header');
    expectFormatError(bytes.subarray(0, 7), 'truncated header');
  });

  it('rejects more data than the shape needs (a header that lies about the shape)', () => {
    const bytes = readFileSync(fixture('f4-2x3.npy'));
    expectFormatError(
      new Uint8Array(Buffer.concat([bytes, Buffer.alloc(4)])),
      'does not match the shape',
      'needs 24 bytes',
      'has 28',
    );
    expectFormatError(
      rawNpy(f4Header('(2, 2)'), new Uint8Array(24)),
      'does not match the shape',
      '(2, 2)',
      'needs 16 bytes',
    );
  });

  it.each([
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", 'malformed header'],
    ['[1, 2]', 'malformed header: not a dict'],
    ["{'descr': '<f4', 'shape': (2,)}", "malformed header: expected the keys 'descr', 'fortran_order', 'shape'"],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", "found 'descr', 'fortran_order', 'shape', 'x'"],
    ["{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 'repeated key'],
    ["{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", 'fortran_order is 0, not a bool'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", 'shape is [2], not a tuple'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': 2}", 'shape is 2, not a tuple'],
    ["{'descr': __import__('os'), 'fortran_order': False, 'shape': (2,)}", 'malformed header'],
    ['', 'malformed header'],
  ])('rejects the malformed header %j', (header, words) => {
    expectFormatError(rawNpy(header, new Uint8Array(8)), words);
  });

  it('rejects negative, non-integer and huge dimensions', () => {
    expectFormatError(rawNpy(f4Header('(-1, 3)')), 'negative dimension -1', '(-1, 3)');
    expectFormatError(rawNpy(f4Header('(2.5,)')), 'non-integer dimension 2.5');
    expectFormatError(rawNpy(f4Header('(2.0, 3)')), 'non-integer dimension 2.0');
    expectFormatError(rawNpy(f4Header("('3',)")), "non-integer dimension '3'");
    expectFormatError(rawNpy(f4Header('(True,)')), 'non-integer dimension True');
    expectFormatError(rawNpy(f4Header('(99999999999999999999,)')), 'too large');
    expectFormatError(rawNpy(f4Header('(4294967296, 4294967296)')), 'too large');
    expect(parseNpy(rawNpy(f4Header('(4294967296, 4294967296, 0)'))).shape).toEqual([2 ** 32, 2 ** 32, 0]);
  });

  it('rejects a version 3.0 header that is not UTF-8', () => {
    const bytes = rawNpy(f4Header('(0,)'), [], { major: 3 });
    bytes[12] = 0xff;
    expectFormatError(bytes, 'malformed header', 'UTF-8');
  });

  it('names an anonymous buffer <bytes>', () => {
    expect(() => parseNpy(new Uint8Array(3))).toThrow('<bytes>: not a .npy file');
  });
});

describe('parseNpy leniency', () => {
  it('accepts headers from other writers: any key order, double quotes, no trailing comma, no padding, Python 2 longs', () => {
    const data = new Uint8Array(Float32Array.of(1, 2, 3, 4, 5, 6).buffer);
    for (const header of [
      `{"shape": (2, 3), "fortran_order": False, "descr": "<f4"}\n`,
      `{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }`,
    ]) {
      const bytes = rawNpy(header, data, { pad: false });
      expect(parseNpy(bytes)).toEqual({ dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
    }
  });

  it.each([
    ['<f4', 'float32'],
    ['=f4', 'float32'],
    ['f4', 'float32'],
    ['<f8', 'float64'],
    ['<i4', 'int32'],
    ['<i8', 'int64'],
    ['<i2', 'int16'],
    ['|u1', 'uint8'],
    ['<u1', 'uint8'],
    ['>u1', 'uint8'],
  ])('accepts descr %s as %s', (descr, dtype) => {
    expect(parseNpy(rawNpy(f4Header('(0,)', descr))).dtype).toBe(dtype);
  });

  it('reads a hand-written version 3.0 file', () => {
    const bytes = rawNpy(`{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }`, [1, 0, 2, 0], { major: 3 });
    expect(parseNpy(bytes)).toEqual({ dtype: 'int16', shape: [2], data: Int16Array.of(1, 2) });
  });
});

describe('parseNpy alignment', () => {
  const values = Float64Array.of(1.25, -3, 1e-300);
  const data = new Uint8Array(values.buffer);

  it('returns a view into the input when the data is aligned', () => {
    const bytes = rawNpy(`{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }`, data);
    const arr = parseNpy(bytes);
    expect(arr.data).toEqual(values);
    expect(arr.data.buffer).toBe(bytes.buffer);
  });

  it('copies when the data offset is not a multiple of the element size', () => {
    // No padding: 10 + 56 header bytes put the data at offset 66, which is not a multiple of 8.
    const header = `{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}`;
    const bytes = rawNpy(header, data, { pad: false });
    expect((bytes.length - data.length) % 8).not.toBe(0);
    const arr = parseNpy(bytes);
    expect(arr.data).toEqual(values);
    expect(arr.data.buffer).not.toBe(bytes.buffer);
  });

  it('copies when the input itself starts at an odd byte offset', () => {
    const bytes = rawNpy(`{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }`, data);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(parseNpy(shifted.subarray(1)).data).toEqual(values);
    for (const name of ['i2-2x2x2.npy', 'i8-vec.npy', 'f4-2x3.npy']) {
      const golden = readFileSync(fixture(name));
      const odd = new Uint8Array(golden.length + 3);
      odd.set(golden, 3);
      expect(parseNpy(odd.subarray(3))).toEqual(parseNpy(golden));
    }
  });
});
