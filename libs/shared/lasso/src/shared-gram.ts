import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';

const PAGE = 65536;
/** wasm32 addresses 4 GiB; stay well below so every offset fits comfortably. */
const MAX_BYTES = 3.5 * 1024 ** 3;

let cachedModule: WebAssembly.Module | undefined;

/** The compiled `gram-kernels.wat` (built into dist/ by the lib's build step). */
export function gramKernelsModule(): WebAssembly.Module {
  if (cachedModule) return cachedModule;
  const candidates = [join(__dirname, 'gram-kernels.wasm'), join(__dirname, '..', 'dist', 'gram-kernels.wasm')];
  const file = candidates.find((f) => existsSync(f));
  if (!file)
    throw new AudioConceptsError(
      `gram-kernels.wasm not found (looked in ${candidates.join(', ')}); build the lasso library first`,
    );
  cachedModule = new WebAssembly.Module(readFileSync(file));
  return cachedModule;
}

/**
 * The Gram matrix G = C·Cᵀ in a shared WebAssembly memory, followed by one scratch slot per solver thread.
 * Rows are padded to an even `stride` so the SIMD kernel handles two doubles per step with no tail.
 * The memory is shared, so worker threads read the same G without a copy.
 */
export class SharedGram {
  private constructor(
    readonly memory: WebAssembly.Memory,
    readonly c: number,
    readonly stride: number,
  ) {}

  static create(c: number): SharedGram {
    const stride = c + (c % 2);
    const bytes = c * stride * 8;
    if (bytes > MAX_BYTES)
      throw new InvalidInputError(
        `a dictionary of ${c} concepts needs a ${(bytes / 1024 ** 3).toFixed(1)} GiB Gram matrix; the limit is 3.5 GiB (about 21,000 concepts)`,
      );
    const pages = Math.ceil(bytes / PAGE) + 1;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true });
    return new SharedGram(memory, c, stride);
  }

  /** Rebuilds the handle in a worker thread from the memory it was sent. */
  static attach(memory: WebAssembly.Memory, c: number): SharedGram {
    return new SharedGram(memory, c, c + (c % 2));
  }

  /** View of G (c rows of `stride` doubles, the padding column zero). */
  get gram(): Float64Array {
    return new Float64Array(this.memory.buffer, 0, this.c * this.stride);
  }

  /** Grows the memory by one scratch slot for a solver and returns its byte offset. Main thread only. */
  allocateSlot(): number {
    const offset = this.memory.buffer.byteLength;
    const bytes = slotBytes(this.stride);
    if (offset + bytes > MAX_BYTES)
      throw new InvalidInputError('no room left for another solver thread next to this Gram matrix');
    this.memory.grow(Math.ceil(bytes / PAGE));
    return offset;
  }
}

function slotBytes(stride: number): number {
  return stride * (4 + 8 + 8 + 8) + 64;
}

/**
 * One solver's view of its scratch slot and the compiled kernel: `rows`/`weights` hold the support and its
 * weights, `b` the correlations C·z of the row being solved, `g` receives the gradient.
 */
export class GradientKernel {
  readonly rows: Int32Array;
  readonly weights: Float64Array;
  readonly b: Float64Array;
  readonly g: Float64Array;
  readonly gram: Float64Array;
  private readonly offsets: { rows: number; weights: number; b: number; g: number };
  private readonly kernel: (
    stride: number,
    gram: number,
    rows: number,
    w: number,
    s: number,
    b: number,
    g: number,
  ) => void;

  constructor(
    private readonly shared: SharedGram,
    slotOffset: number,
  ) {
    const { stride, memory } = shared;
    const rows = slotOffset;
    const weights = align16(rows + 4 * stride);
    const b = weights + 8 * stride;
    const g = b + 8 * stride;
    this.offsets = { rows, weights, b, g };
    this.rows = new Int32Array(memory.buffer, rows, stride);
    this.weights = new Float64Array(memory.buffer, weights, stride);
    this.b = new Float64Array(memory.buffer, b, stride);
    this.g = new Float64Array(memory.buffer, g, stride);
    this.gram = shared.gram;
    const instance = new WebAssembly.Instance(gramKernelsModule(), { env: { memory } });
    this.kernel = instance.exports.gradient as GradientKernel['kernel'];
  }

  /** g = b − Σ_{i<s} weights[i]·G[rows[i], :] */
  gradient(s: number): void {
    const o = this.offsets;
    this.kernel(this.shared.stride, 0, o.rows, o.weights, s, o.b, o.g);
  }
}

function align16(n: number): number {
  return (n + 15) & ~15;
}
