import { FormatError, InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import type { NdArray } from './nd-array';
import { asFloat32Matrix, asFloat64Matrix, asIntVector } from './nd-array.convert';

const f32: NdArray = { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 0.1) };
const f64: NdArray = { dtype: 'float64', shape: [3, 2], data: Float64Array.of(1, 2, 3, 4, 5, 0.1) };

describe('asFloat64Matrix', () => {
  it('widens float32 and passes float64 through', () => {
    const m = asFloat64Matrix(f32, 'embeddings');
    expect(m).toEqual({ rows: 2, cols: 3, data: Float64Array.of(1, 2, 3, 4, 5, Math.fround(0.1)) });
    const same = asFloat64Matrix(f64, 'embeddings');
    expect(same).toMatchObject({ rows: 3, cols: 2 });
    expect(same.data).toBe(f64.data);
  });

  it('rejects arrays that are not 2-D, naming the array and its shape', () => {
    const vector: NdArray = { dtype: 'float64', shape: [6], data: new Float64Array(6) };
    expect(() => asFloat64Matrix(vector, 'embeddings')).toThrow(ShapeMismatchError);
    expect(() => asFloat64Matrix(vector, 'embeddings')).toThrow('embeddings must be a 2-D matrix, got shape (6,)');
    const cube: NdArray = { dtype: 'float32', shape: [1, 2, 3], data: new Float32Array(6) };
    expect(() => asFloat64Matrix(cube, 'dictionary')).toThrow('dictionary must be a 2-D matrix, got shape (1, 2, 3)');
  });

  it('rejects non-float dtypes', () => {
    const ints: NdArray = { dtype: 'int32', shape: [1, 2], data: Int32Array.of(1, 2) };
    expect(() => asFloat64Matrix(ints, 'embeddings')).toThrow(FormatError);
    expect(() => asFloat64Matrix(ints, 'embeddings')).toThrow(
      'embeddings must have dtype float32 or float64, got int32',
    );
  });

  it('rejects inconsistent arrays', () => {
    const bad: NdArray = { dtype: 'float64', shape: [2, 2], data: new Float64Array(3) };
    expect(() => asFloat64Matrix(bad, 'embeddings')).toThrow(ShapeMismatchError);
  });

  it('accepts empty matrices', () => {
    expect(asFloat64Matrix({ dtype: 'float32', shape: [0, 4], data: new Float32Array(0) }, 'm')).toEqual({
      rows: 0,
      cols: 4,
      data: new Float64Array(0),
    });
  });
});

describe('asFloat32Matrix', () => {
  it('narrows float64 and passes float32 through', () => {
    expect(asFloat32Matrix(f64, 'x')).toEqual({ rows: 3, cols: 2, data: Float32Array.of(1, 2, 3, 4, 5, 0.1) });
    expect(asFloat32Matrix(f32, 'x').data).toBe(f32.data);
  });

  it('rejects non-matrices and non-floats', () => {
    expect(() => asFloat32Matrix({ dtype: 'float32', shape: [], data: Float32Array.of(1) }, 'x')).toThrow(
      'x must be a 2-D matrix, got shape ()',
    );
    expect(() => asFloat32Matrix({ dtype: 'uint8', shape: [1, 1], data: Uint8Array.of(1) }, 'x')).toThrow('got uint8');
  });
});

describe('asIntVector', () => {
  it('passes int32 through and converts int64, int16 and uint8', () => {
    const i32: NdArray = { dtype: 'int32', shape: [2], data: Int32Array.of(-1, 2) };
    expect(asIntVector(i32, 'ids')).toBe(i32.data);
    expect(
      asIntVector({ dtype: 'int64', shape: [3], data: BigInt64Array.of(-(2n ** 31n), 0n, 2n ** 31n - 1n) }, 'ids'),
    ).toEqual(Int32Array.of(-(2 ** 31), 0, 2 ** 31 - 1));
    expect(asIntVector({ dtype: 'int16', shape: [2], data: Int16Array.of(-5, 5) }, 'ids')).toEqual(
      Int32Array.of(-5, 5),
    );
    expect(asIntVector({ dtype: 'uint8', shape: [1], data: Uint8Array.of(255) }, 'ids')).toEqual(Int32Array.of(255));
  });

  it('range-checks int64 values', () => {
    const big: NdArray = { dtype: 'int64', shape: [3], data: BigInt64Array.of(1n, 2n ** 31n, 3n) };
    expect(() => asIntVector(big, 'ids')).toThrow(InvalidInputError);
    expect(() => asIntVector(big, 'ids')).toThrow('ids[1] = 2147483648 is out of the int32 range');
    const small: NdArray = { dtype: 'int64', shape: [1], data: BigInt64Array.of(-(2n ** 31n) - 1n) };
    expect(() => asIntVector(small, 'ids')).toThrow('ids[0] = -2147483649');
  });

  it('rejects non-vectors and floats', () => {
    expect(() => asIntVector({ dtype: 'int32', shape: [1, 2], data: Int32Array.of(1, 2) }, 'ids')).toThrow(
      'ids must be a 1-D vector, got shape (1, 2)',
    );
    expect(() => asIntVector({ dtype: 'float32', shape: [1], data: Float32Array.of(1) }, 'ids')).toThrow(FormatError);
    expect(() => asIntVector({ dtype: 'float32', shape: [1], data: Float32Array.of(1) }, 'ids')).toThrow(
      'ids must have an integer dtype',
    );
  });
});
