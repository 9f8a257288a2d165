import { NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';

/** A dense row-major matrix of float64 (the solver's working precision). */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Wraps data as a rows×cols matrix, checking the size and that every value is finite. */
export function checkedMatrix(data: ArrayLike<number>, rows: number, cols: number, name: string): Matrix {
  if (data.length !== rows * cols)
    throw new ShapeMismatchError(
      `${name}: ${data.length} values do not fill shape [${rows}, ${cols}]`,
      [rows, cols],
      [data.length],
    );
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      const row = Math.floor(i / cols);
      const column = i % cols;
      throw new NonFiniteValueError(`${name} has ${v} at row ${row}, column ${column}`, row, column);
    }
  }
  return { data: data instanceof Float64Array ? data : Float64Array.from(data), rows, cols };
}
