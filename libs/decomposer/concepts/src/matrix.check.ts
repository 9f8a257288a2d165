import { InvalidInputError, NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';

/**
 * Checks that `data` holds a rows×cols row-major matrix of finite numbers; `dims` names the two dimensions in
 * messages (`['n', 'd']` → "expected n×d = 2×16 = 32 values"). Runs before any loop touches the data.
 */
export function checkMatrix(
  data: ArrayLike<number>,
  rows: number,
  cols: number,
  name: string,
  dims: readonly [string, string] = ['n', 'd'],
): void {
  checkCount(rows, `${name}: ${dims[0]}`);
  checkCount(cols, `${name}: ${dims[1]}`);
  if (data.length !== rows * cols)
    throw new ShapeMismatchError(
      `${name} has ${data.length} values, expected ${dims[0]}×${dims[1]} = ${rows}×${cols} = ${rows * cols}`,
      [rows, cols],
      [data.length],
    );
  checkFinite(data, cols, name);
}

/** Checks that `data` is a vector of `length` finite numbers. */
export function checkVector(data: ArrayLike<number>, length: number, name: string, dim = 'd'): void {
  if (data.length !== length)
    throw new ShapeMismatchError(
      `${name} has ${data.length} values, expected ${dim} = ${length}`,
      [length],
      [data.length],
    );
  checkFinite(data, Math.max(length, 1), name);
}

/** The number of rows of a row-major matrix with `cols` columns, when only its values are known. */
export function rowCount(data: ArrayLike<number>, cols: number, name: string, dims: readonly [string, string]): number {
  checkCount(cols, `${name}: ${dims[1]}`);
  if (cols === 0 || data.length % cols !== 0)
    throw new ShapeMismatchError(
      `${name} has ${data.length} values, which is not a whole number of rows of ${dims[1]} = ${cols}`,
      [dims[0], cols],
      [data.length],
    );
  return data.length / cols;
}

/** A count (n, c, d, k): a non-negative safe integer. */
export function checkCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidInputError(`${name} must be a non-negative integer, got ${value}`);
}

function checkFinite(data: ArrayLike<number>, cols: number, name: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      const row = Math.floor(i / cols);
      const column = i % cols;
      throw new NonFiniteValueError(
        `${name} has ${v} at row ${row}, column ${column}; all values must be finite`,
        row,
        column,
      );
    }
  }
}
