import { syntheticWorld } from './synthetic-world';

/**
 * The zero-shot specs' world: K = 8 classes whose prompts are the text embeddings of concepts 0..7, N = 24 audio
 * rows that are (scaled) copies of their class prompt, and the text embeddings themselves as the calibration
 * corpus, so m_a is the concept mean and z = L2(L2(e) − m_a) is the class's own dictionary row C_y. Then at λ the
 * solution is w = (1 − λ/2)·e_y (one concept) and r = L2(C_y + m_a): every prediction and score can be computed
 * directly. A fresh world (the same numbers) per call.
 */
export function zeroShotWorld() {
  const world = syntheticWorld({ seed: 3 });
  const { d, textEmbeddingsCxD: T } = world;
  const K = 8;
  const N = 24;
  const prompts = T.slice(0, K * d);
  const labels = Int32Array.from({ length: N }, (_, i) => i % K);
  const audio = Float64Array.from({ length: N * d }, (_, i) => T[labels[Math.floor(i / d)] * d + (i % d)]);
  for (let i = 0; i < N; i++) {
    const scale = 0.5 + world.uniform();
    for (let t = 0; t < d; t++) audio[i * d + t] *= scale;
  }
  return { world, c: world.c, d, T, K, N, LAMBDA: 0.1, prompts, labels, audio };
}
