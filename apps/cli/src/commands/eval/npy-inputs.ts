import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { asFloat64Matrix, asIntVector, readNpy, type NdArray } from '@audio-concepts/shared-npy';

const FLOAT_DTYPES = new Set(['float32', 'float64']);

/** An n×k matrix of 0/1 (any integer or float dtype) as float64, checked; names the first bad entry. */
export async function readBinaryMatrix(
  path: string,
  flag: string,
): Promise<{ data: Float64Array; rows: number; cols: number }> {
  const arr = await readNpy(path);
  const name = `${flag} ${path}`;
  const matrix = FLOAT_DTYPES.has(arr.dtype) ? asFloat64Matrix(arr, name) : intMatrix(arr, name);
  const bad = matrix.data.findIndex((v) => v !== 0 && v !== 1);
  if (bad >= 0)
    throw new InvalidInputError(
      `${name}: entry [${Math.floor(bad / matrix.cols)}, ${bad % matrix.cols}] is ${matrix.data[bad]}; it holds 0 or 1`,
    );
  return matrix;
}

/** A P×2 integer matrix (pairs of row indices), row-major as an Int32Array. */
export async function readPairs(path: string, flag: string): Promise<Int32Array> {
  const arr = await readNpy(path);
  const name = `${flag} ${path}`;
  if (arr.shape.length !== 2 || arr.shape[1] !== 2)
    throw new ShapeMismatchError(
      `${name} must be a P × 2 matrix of (audio row, caption row) pairs, got shape [${arr.shape.join(', ')}]`,
      ['P', 2],
      arr.shape,
    );
  if (arr.shape[0] === 0) throw new InvalidInputError(`${name} holds no pair`);
  return asIntVector({ ...arr, shape: [arr.shape[0] * 2] }, name);
}

function intMatrix(arr: NdArray, name: string): { data: Float64Array; rows: number; cols: number } {
  if (arr.shape.length !== 2)
    throw new ShapeMismatchError(
      `${name} must be a 2-D matrix, got shape [${arr.shape.join(', ')}]`,
      ['n', 'k'],
      arr.shape,
    );
  const [rows, cols] = arr.shape;
  return { data: Float64Array.from(asIntVector({ ...arr, shape: [rows * cols] }, name)), rows, cols };
}
