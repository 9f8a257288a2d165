/** Adam (Kingma & Ba) over one flat parameter array, with the usual defaults β₁ 0.9, β₂ 0.999, ε 1e-8. */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private step = 0;

  constructor(
    size: number,
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** One step: `parameters` −= lr · m̂ / (√v̂ + ε). */
  update(parameters: Float64Array, gradient: Float64Array): void {
    const { m, v, beta1, beta2, epsilon } = this;
    this.step++;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    for (let i = 0; i < parameters.length; i++) {
      const g = gradient[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      parameters[i] -= (this.learningRate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
    }
  }
}
