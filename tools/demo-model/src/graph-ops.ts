import { OnnxElemType, type OnnxGraph } from '@audio-concepts/shared-onnx-builder';

/** Slice end meaning "to the end of the axis". */
const TO_END = 2 ** 53 - 1;

/**
 * Shorthands over `OnnxGraph` for the feature graph, which works on 4-D NCHW tensors [batch, 1, frames, bins]
 * (axis 2 is time, axis 3 the mel bin) so that MaxPool and Conv apply directly. Scalars are cached float
 * constants; every method returns the name of its output.
 */
export class GraphOps {
  private readonly scalars = new Map<number, string>();
  private counter = 0;

  constructor(readonly g: OnnxGraph) {}

  scalar(value: number): string {
    let name = this.scalars.get(value);
    if (name === undefined) {
      name = this.g.constant(`scalar_${this.scalars.size}`, [value], []);
      this.scalars.set(value, name);
    }
    return name;
  }

  private ints(values: number[]): string {
    return this.g.int64(`ints_${this.counter++}`, values);
  }

  add(a: string, b: string | number): string {
    return this.g.op('Add', [a, typeof b === 'number' ? this.scalar(b) : b]);
  }

  sub(a: string, b: string | number): string {
    return this.g.op('Sub', [a, typeof b === 'number' ? this.scalar(b) : b]);
  }

  mul(a: string, b: string | number): string {
    return this.g.op('Mul', [a, typeof b === 'number' ? this.scalar(b) : b]);
  }

  div(a: string, b: string | number): string {
    return this.g.op('Div', [a, typeof b === 'number' ? this.scalar(b) : b]);
  }

  /** 1 − x */
  oneMinus(x: string): string {
    return this.g.op('Sub', [this.scalar(1), x]);
  }

  max(a: string, b: string): string {
    return this.g.op('Max', [a, b]);
  }

  min(a: string, b: string): string {
    return this.g.op('Min', [a, b]);
  }

  abs(x: string): string {
    return this.g.op('Abs', [x]);
  }

  relu(x: string): string {
    return this.g.op('Relu', [x]);
  }

  /** A hard step: 1 where x > `at`, else 0 (float). */
  above(x: string, at: number): string {
    return this.g.op('Cast', [this.g.op('Greater', [x, this.scalar(at)])], { to: OnnxElemType.FLOAT });
  }

  /** Sum of x over frames t' ≥ t (a reversed cumulative sum along the time axis). */
  sumFromHereOn(x: string): string {
    return this.g.op('CumSum', [x, this.g.int64(`axis_${this.counter++}`, [2], [])], { reverse: 1 });
  }

  /** A soft step: σ((x − at) / width), 0.5 at `at`, going from ~0 to ~1 over a few `width`s. */
  step(x: string, at: number, width: number): string {
    return this.g.op('Sigmoid', [this.mul(this.add(x, -at), 1 / width)]);
  }

  /** x[..., start:end] along `axis` (negative `end` counts from the end; omit it for "to the end"). */
  slice(x: string, axis: number, start: number, end = TO_END): string {
    return this.g.op('Slice', [x, this.ints([start]), this.ints([end]), this.ints([axis])]);
  }

  /** Frames t ≥ k and the frames k before them, aligned: (x[k:], x[:−k]) along the time axis. */
  lagPair(x: string, k: number): [string, string] {
    return [this.slice(x, 2, k), this.slice(x, 2, 0, -k)];
  }

  reduceMean(x: string, axes: number[]): string {
    return this.g.op('ReduceMean', [x], { axes, keepdims: 1 });
  }

  reduceMax(x: string, axes: number[]): string {
    return this.g.op('ReduceMax', [x], { axes, keepdims: 1 });
  }

  reduceSum(x: string, axes: number[]): string {
    return this.g.op('ReduceSum', [x, this.ints(axes)], { keepdims: 1 });
  }

  /** Pads the time (2) or bin (3) axis with `before`/`after` copies of the edge values (`edge`) or zeros. */
  pad(x: string, axis: 2 | 3, before: number, after: number, mode: 'edge' | 'constant'): string {
    const pads = [0, 0, 0, 0, 0, 0, 0, 0];
    pads[axis] = before;
    pads[4 + axis] = after;
    return this.g.op('Pad', [x, this.ints(pads)], { mode });
  }

  /** Running maximum over a window of `[time, bins]` with stride 1 (or `strides`), padding as given. */
  maxPool(
    x: string,
    kernel: [number, number],
    pads: [number, number, number, number],
    strides: [number, number] = [1, 1],
  ): string {
    return this.g.op('MaxPool', [x], { kernel_shape: kernel, pads, strides });
  }

  /** x shifted along the bin axis by `s` (> 0: bin b gets x[b − s]; < 0: x[b + |s|]), zero beyond the edge. */
  shiftBins(x: string, s: number): string {
    return s > 0
      ? this.slice(this.pad(x, 3, s, 0, 'constant'), 3, 0, -s)
      : this.slice(this.pad(x, 3, 0, -s, 'constant'), 3, -s);
  }

  /**
   * max over s = 1..n of x[..., b − s] (`fromBelow`) or x[..., b + s]: what the neighbouring lower (higher) bins
   * held. Built from shifted copies rather than Pad + MaxPool, which onnxruntime would fuse into a MaxPool whose
   * padding is as large as its kernel (and then reject).
   */
  neighbourMax(x: string, n: number, fromBelow: boolean): string {
    const shifted = Array.from({ length: n }, (_, i) => this.shiftBins(x, fromBelow ? i + 1 : -(i + 1)));
    return this.g.op('Max', shifted);
  }

  /** [batch, 1, 1, 1] → [batch, 1], ready to be concatenated into the feature vector. */
  flat(x: string): string {
    return this.g.op('Flatten', [x], { axis: 1 });
  }

  concat(xs: string[], axis: number): string {
    return this.g.op('Concat', xs, { axis });
  }
}
