/**
 * The training rows (mask 1, or all) split per class: `valFraction` of each class's rows, drawn at random, held out
 * for validation (rounded; a class keeps at least one training row). Both lists ascending.
 */
export function splitRows(
  labels: Int32Array,
  classes: number,
  trainMask: ArrayLike<number> | undefined,
  valFraction: number,
  uniform: () => number,
): { train: Int32Array; validation: Int32Array } {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) if (!trainMask || trainMask[i] === 1) byClass[labels[i]].push(i);
  const train: number[] = [];
  const validation: number[] = [];
  for (const rows of byClass) {
    const held = Math.min(rows.length - 1, Math.round(rows.length * valFraction));
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(uniform() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    validation.push(...rows.slice(0, Math.max(0, held)));
    train.push(...rows.slice(Math.max(0, held)));
  }
  const ascending = (a: number, b: number) => a - b;
  return { train: Int32Array.from(train.sort(ascending)), validation: Int32Array.from(validation.sort(ascending)) };
}

/** The rows of `audio` (n × d) the mask trains on, copied (all rows, as they are, without a mask). */
export function trainingRows(
  audio: { data: Float64Array; rows: number; cols: number },
  mask: ArrayLike<number> | undefined,
): { data: Float64Array; rows: number } {
  if (!mask) return { data: audio.data, rows: audio.rows };
  const d = audio.cols;
  const rows: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) rows.push(i);
  const data = new Float64Array(rows.length * d);
  rows.forEach((row, i) => data.set(audio.data.subarray(row * d, (row + 1) * d), i * d));
  return { data, rows: rows.length };
}
