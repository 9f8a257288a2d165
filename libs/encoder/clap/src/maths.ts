import { InvalidInputError } from '@audio-concepts/shared-errors';

/**
 * Scales each row of `rowsNxD` (n × d, row-major) to unit L2 norm in place. A row whose norm is zero or not
 * finite cannot be normalized; it is reported with `describe(row)` naming where it came from.
 */
export function l2NormalizeRows(rowsNxD: Float32Array, d: number, describe: (row: number) => string): void {
  const n = d === 0 ? 0 : rowsNxD.length / d;
  for (let r = 0; r < n; r++) {
    const offset = r * d;
    let sum = 0; // float64 accumulation: D up to 1024 float32 squares
    for (let j = 0; j < d; j++) sum += rowsNxD[offset + j] * rowsNxD[offset + j];
    const norm = Math.sqrt(sum);
    if (!(norm > 0) || !Number.isFinite(norm))
      throw new InvalidInputError(`the embedding of ${describe(r)} has norm ${norm}; it cannot be L2-normalized`);
    for (let j = 0; j < d; j++) rowsNxD[offset + j] /= norm;
  }
}
