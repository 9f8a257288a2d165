import { mulberry32 } from '@audio-concepts/shared-random';

/**
 * A random problem shaped like the real one, for the specs: c unit concept rows sharing a common direction
 * (correlated, as CLAP's are) and n unit embeddings, d wide; the same seed gives the same problem.
 */
export function randomProblem(c: number, d: number, n: number, seed: number): { C: Float64Array; Z: Float64Array } {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
  const unitRows = (rows: number, common: Float64Array | undefined) => {
    const m = new Float64Array(rows * d);
    for (let i = 0; i < rows; i++) {
      let norm = 0;
      for (let t = 0; t < d; t++) {
        const v = (common ? 0.6 * common[t] : 0) + gauss();
        m[i * d + t] = v;
        norm += v * v;
      }
      for (let t = 0; t < d; t++) m[i * d + t] /= Math.sqrt(norm);
    }
    return m;
  };
  const common = Float64Array.from({ length: d }, gauss);
  return { C: unitRows(c, common), Z: unitRows(n, undefined) };
}
