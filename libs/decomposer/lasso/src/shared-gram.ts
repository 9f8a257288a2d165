import { readFileSync } from 'node:fs';
import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';
import { builtFile } from './built-file';
import { nativeKernels, resolveKernelBackend, type KernelBackend, type KernelExports } from './kernel-backend';

const PAGE = 65536;
/** wasm32 addresses 4 GiB; stay well below so every offset fits comfortably. */
const MAX_BYTES = 3.5 * 1024 ** 3;

let cachedModule: WebAssembly.Module | undefined;

/** The compiled `gram-kernels.wat` (built into dist/ by the lib's build step). */
export function gramKernelsModule(): WebAssembly.Module {
  if (cachedModule) return cachedModule;
  const { file, candidates } = builtFile('gram-kernels.wasm');
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

  /**
   * Grows the memory by one scratch slot for a solver whose support holds up to `capacity` members (see
   * `supportCapacity`) and returns its byte offset. Main thread only.
   */
  allocateSlot(capacity: number): number {
    const offset = this.memory.buffer.byteLength;
    const bytes = slotBytes(this.stride, capacity);
    if (offset + bytes > MAX_BYTES)
      throw new InvalidInputError('no room left for another solver thread next to this Gram matrix');
    this.memory.grow(Math.ceil(bytes / PAGE));
    return offset;
  }
}

/** Largest support a solver can hold: its members are linearly independent, so at most min(c, d). */
export function supportCapacity(c: number, d: number): number {
  const k = Math.min(c, d);
  return k + (k % 2);
}

function slotBytes(stride: number, capacity: number): number {
  return 16 * 7 + stride * (4 + 8 * 5) + capacity * capacity * 8;
}

/**
 * One solver thread's scratch slot and its kernels (`backend`: native or WebAssembly, see kernel-backend.ts). Every
 * buffer is a view of the shared memory, so a view's `byteOffset` is its address for the kernels. `rows`/`weights`
 * hold the support and its weights, `b` the correlations C·z of the row being solved, `g` the gradient, `cholesky`
 * the support's factor (capacity × capacity), `vecA`/`vecB` scratch vectors.
 */
export class SolverKernels {
  readonly rows: Int32Array;
  readonly weights: Float64Array;
  readonly b: Float64Array;
  readonly g: Float64Array;
  readonly vecA: Float64Array;
  readonly vecB: Float64Array;
  readonly cholesky: Float64Array;
  readonly gram: Float64Array;
  private readonly exports: KernelExports;

  constructor(
    private readonly shared: SharedGram,
    slotOffset: number,
    readonly capacity: number,
    readonly backend: KernelBackend = resolveKernelBackend(),
  ) {
    const { stride, memory } = shared;
    let at = slotOffset;
    const take = <T>(make: (offset: number) => T, bytes: number): T => {
      const view = make(at);
      at = align16(at + bytes);
      return view;
    };
    const f64 = (length: number) => take((o) => new Float64Array(memory.buffer, o, length), 8 * length);
    this.rows = take((o) => new Int32Array(memory.buffer, o, stride), 4 * stride);
    this.weights = f64(stride);
    this.b = f64(stride);
    this.g = f64(stride);
    this.vecA = f64(stride);
    this.vecB = f64(stride);
    this.cholesky = f64(capacity * capacity);
    this.gram = shared.gram;
    const webAssembly = new WebAssembly.Instance(gramKernelsModule(), { env: { memory } }).exports as KernelExports;
    this.exports = backend === 'native' ? { ...webAssembly, ...nativeGradient(memory) } : webAssembly;
  }

  /** g = b − Σ_{i<s} weights[i]·G[rows[i], :] */
  gradient(s: number): void {
    this.exports.gradient(
      this.shared.stride,
      0,
      this.rows.byteOffset,
      this.weights.byteOffset,
      s,
      this.b.byteOffset,
      this.g.byteOffset,
    );
  }

  /** Solves L·y = v with the leading k×k block of `cholesky`; v and y are views of this slot. */
  forwardSolve(k: number, v: Float64Array, y: Float64Array): void {
    this.exports.forwardSolve(this.cholesky.byteOffset, this.capacity, k, v.byteOffset, y.byteOffset);
  }

  /** Solves Lᵀ·x = y in place. */
  backSolve(k: number, y: Float64Array): void {
    this.exports.backSolve(this.cholesky.byteOffset, this.capacity, k, y.byteOffset);
  }
}

/** The native gradient bound to the memory as it is now: this slot and the Gram matrix before it. */
function nativeGradient(memory: WebAssembly.Memory): Pick<KernelExports, 'gradient'> {
  const available = nativeKernels();
  if ('reason' in available) throw new AudioConceptsError(`native Lasso kernels: ${available.reason}`);
  return available.addon.bind(new Uint8Array(memory.buffer));
}

function align16(n: number): number {
  return (n + 15) & ~15;
}
