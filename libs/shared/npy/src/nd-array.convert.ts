import { FormatError, InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { type NdArray, assertNdArray, formatShape } from './nd-array';

export interface Float64Matrix {
  /** Row-major: element (r, c) is `data[r * cols + c]`. */
  data: Float64Array;
  rows: number;
  cols: number;
}

export interface Float32Matrix {
  /** Row-major: element (r, c) is `data[r * cols + c]`. */
  data: Float32Array;
  rows: number;
  cols: number;
}

function matrixShape(arr: NdArray, name: string): { rows: number; cols: number } {
  assertNdArray(arr, name);
  if (arr.shape.length !== 2) {
    throw new ShapeMismatchError(
      `${name} must be a 2-D matrix, got shape ${formatShape(arr.shape)}`,
      ['rows', 'cols'],
      arr.shape,
    );
  }
  return { rows: arr.shape[0], cols: arr.shape[1] };
}

function notFloat(arr: NdArray, name: string): FormatError {
  return new FormatError(`${name} must have dtype float32 or float64, got ${arr.dtype}`);
}

/**
 * A 2-D float32 or float64 array as a float64 matrix. Float64 data is returned as is (shared, not copied);
 * float32 data is widened into a new array. `name` identifies the array in error messages.
 */
export function asFloat64Matrix(arr: NdArray, name: string): Float64Matrix {
  const { rows, cols } = matrixShape(arr, name);
  // assertNdArray has checked that `data` is the typed array `dtype` calls for.
  if (arr.dtype === 'float64') return { data: arr.data as Float64Array, rows, cols };
  if (arr.dtype === 'float32') return { data: Float64Array.from(arr.data as Float32Array), rows, cols };
  throw notFloat(arr, name);
}

/**
 * A 2-D float32 or float64 array as a float32 matrix. Float32 data is returned as is (shared, not copied);
 * float64 data is rounded to float32 in a new array. `name` identifies the array in error messages.
 */
export function asFloat32Matrix(arr: NdArray, name: string): Float32Matrix {
  const { rows, cols } = matrixShape(arr, name);
  if (arr.dtype === 'float32') return { data: arr.data as Float32Array, rows, cols };
  if (arr.dtype === 'float64') return { data: Float32Array.from(arr.data as Float64Array), rows, cols };
  throw notFloat(arr, name);
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

/**
 * A 1-D integer array as an Int32Array. int32 data is returned as is (shared, not copied); int64 values are
 * range-checked and narrowed, int16 and uint8 widened, into a new array.
 */
export function asIntVector(arr: NdArray, name: string): Int32Array {
  assertNdArray(arr, name);
  if (arr.shape.length !== 1) {
    throw new ShapeMismatchError(
      `${name} must be a 1-D vector, got shape ${formatShape(arr.shape)}`,
      ['length'],
      arr.shape,
    );
  }
  switch (arr.dtype) {
    case 'int32':
      return arr.data as Int32Array;
    case 'int16':
    case 'uint8':
      return Int32Array.from(arr.data as Int16Array | Uint8Array);
    case 'int64':
      return narrowInt64(arr.data as BigInt64Array, name);
    default:
      throw new FormatError(`${name} must have an integer dtype (int32, int64, int16, uint8), got ${arr.dtype}`);
  }
}

function narrowInt64(data: BigInt64Array, name: string): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < INT32_MIN || v > INT32_MAX) {
      throw new InvalidInputError(`${name}[${i}] = ${v} is out of the int32 range`);
    }
    out[i] = Number(v);
  }
  return out;
}
