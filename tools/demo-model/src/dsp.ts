/**
 * The few signal generators and filters the synthetic world is made of. Everything works on one flat
 * Float64Array of samples; randomness comes in as a uniform generator (see `random.ts`).
 */

export type Uniform = () => number;

/**
 * One cycle of a sine, 4096 steps (+1 for interpolation). Linear interpolation in it is accurate to 3e-7
 * (−130 dB, far below 16-bit resolution) and several times faster than Math.sin per sample.
 */
const SINE_STEPS = 4096;
const SINE_TABLE = Float64Array.from({ length: SINE_STEPS + 1 }, (_, i) => Math.sin((2 * Math.PI * i) / SINE_STEPS));

/** sin(2π·cycles) for cycles in [0, 1). */
function sineOfCycles(cycles: number): number {
  const x = cycles * SINE_STEPS;
  const i = x | 0;
  return SINE_TABLE[i] + (x - i) * (SINE_TABLE[i + 1] - SINE_TABLE[i]);
}

/**
 * A sine whose instantaneous frequency (Hz) at sample i is `freqHz(i)`; the phase is integrated, so sweeps are
 * smooth. `phase0` is in cycles.
 */
export function sweptSine(
  nSamples: number,
  sampleRate: number,
  freqHz: (i: number) => number,
  phase0 = 0,
): Float64Array {
  const out = new Float64Array(nSamples);
  let phase = phase0 - Math.floor(phase0);
  for (let i = 0; i < nSamples; i++) {
    out[i] = sineOfCycles(phase);
    // Frequencies are positive and below the sample rate: at most one wrap per sample.
    phase += freqHz(i) / sampleRate;
    if (phase >= 1) phase -= 1;
  }
  return out;
}

/** A steady sine of `freqHz`; `phase0` in cycles. */
export function sine(nSamples: number, sampleRate: number, freqHz: number, phase0 = 0): Float64Array {
  const out = new Float64Array(nSamples);
  const step = freqHz / sampleRate;
  let phase = phase0 - Math.floor(phase0);
  for (let i = 0; i < nSamples; i++) {
    out[i] = sineOfCycles(phase);
    phase += step;
    if (phase >= 1) phase -= 1;
  }
  return out;
}

/** White noise: standard normal samples, or uniform in [−√3, √3] (unit variance too). */
export function whiteNoise(
  nSamples: number,
  normal: Uniform,
  uniform: Uniform,
  kind: 'gaussian' | 'uniform',
): Float64Array {
  const out = new Float64Array(nSamples);
  if (kind === 'gaussian') for (let i = 0; i < nSamples; i++) out[i] = normal();
  else for (let i = 0; i < nSamples; i++) out[i] = Math.sqrt(3) * (2 * uniform() - 1);
  return out;
}

/** Brown (red, 1/f²) noise: leaky integral of white noise, with the DC drift removed by the leak. */
export function brownNoise(nSamples: number, normal: Uniform): Float64Array {
  const out = new Float64Array(nSamples);
  let y = 0;
  for (let i = 0; i < nSamples; i++) {
    y = 0.998 * y + normal();
    out[i] = y;
  }
  return out;
}

/** RBJ audio-EQ-cookbook biquad (low or high pass, Q = 1/√2), run in place `order / 2` times (order 2, 4, 6, …). */
export function cascadedBiquad(
  x: Float64Array,
  sampleRate: number,
  kind: 'lowpass' | 'highpass',
  cutoffHz: number,
  order: number,
): Float64Array {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
  const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
  const cos = Math.cos(w0);
  const a0 = 1 + alpha;
  const b1 = (kind === 'lowpass' ? 1 - cos : -(1 + cos)) / a0;
  const b0 = b1 * (kind === 'lowpass' ? 0.5 : -0.5);
  const b2 = b0;
  const a1 = (-2 * cos) / a0;
  const a2 = (1 - alpha) / a0;
  for (let pass = 0; pass < order / 2; pass++) {
    let x1 = 0;
    let x2 = 0;
    let y1 = 0;
    let y2 = 0;
    for (let i = 0; i < x.length; i++) {
      const x0 = x[i];
      const y0 = b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
      x2 = x1;
      x1 = x0;
      y2 = y1;
      y1 = y0;
      x[i] = y0;
    }
  }
  return x;
}

/** Multiplies `x` in place by a 0/1 gate with raised-cosine ramps of `rampSamples` at each edge of each `[start, end)` span. */
export function gate(
  x: Float64Array,
  spans: ReadonlyArray<readonly [number, number]>,
  rampSamples: number,
): Float64Array {
  const g = new Float64Array(x.length);
  for (const [start, end] of spans) {
    const s = Math.max(0, Math.round(start));
    const e = Math.min(x.length, Math.round(end));
    const ramp = Math.min(rampSamples, Math.floor((e - s) / 2));
    for (let i = s; i < e; i++) {
      const fromEdge = Math.min(i - s, e - 1 - i);
      g[i] = ramp > 0 && fromEdge < ramp ? 0.5 - 0.5 * Math.cos((Math.PI * (fromEdge + 0.5)) / ramp) : 1;
    }
  }
  for (let i = 0; i < x.length; i++) x[i] *= g[i];
  return x;
}

export function peak(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

/** Scales `x` in place so that its peak is `targetPeak` (a silent signal stays silent). */
export function normalizePeak(x: Float64Array, targetPeak = 1): Float64Array {
  const p = peak(x);
  if (p > 0) for (let i = 0; i < x.length; i++) x[i] *= targetPeak / p;
  return x;
}

/** Adds `gain · y` to `x` in place. */
export function addScaled(x: Float64Array, y: ArrayLike<number>, gain: number): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] += gain * y[i];
  return x;
}

/**
 * Rounds to 16-bit PCM steps (what a WAV file stores), optionally with ±1 LSB triangular dither as sox adds by
 * default (the difference of successive uniform draws: triangular, one draw per sample); returns float32 samples.
 */
export function toPcm16(x: ArrayLike<number>, dither: boolean, uniform: Uniform): Float32Array {
  const out = new Float32Array(x.length);
  let previous = dither ? uniform() : 0;
  for (let i = 0; i < x.length; i++) {
    let d = 0;
    if (dither) {
      const u = uniform();
      d = u - previous;
      previous = u;
    }
    const q = Math.round(x[i] * 32768 + d);
    out[i] = (q < -32768 ? -32768 : q > 32767 ? 32767 : q) / 32768;
  }
  return out;
}

export function dbToGain(db: number): number {
  return 10 ** (db / 20);
}
