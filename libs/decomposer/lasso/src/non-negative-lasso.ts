import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AudioConceptsError, InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { LassoDictionary } from './dictionary';
import { resolveLassoOptions, type LassoOptions } from './lasso.options';
import { checkedMatrix } from './matrix';
import { resolveKernelBackend, type KernelBackend } from './kernel-backend';
import { jsMatMul, type MatMul } from './matmul';
import { SolverKernels, supportCapacity } from './shared-gram';
import { runSolveJob, type SolveJobBuffers } from './solve.job';

/** Solutions of a batch: row i of `weights` (n×c) solves the problem for embedding i. */
export interface LassoBatchResult {
  n: number;
  c: number;
  /** the λ asked for (with `maxConcepts`, the floor) */
  lambda: number;
  /** the λ each row's solution is exact for: `lambda`, or higher where `maxConcepts` capped the row */
  lambdas: Float64Array;
  weights: Float64Array;
  /** ‖Cᵀw − z‖² + λ‖w‖₁ per row */
  objective: Float64Array;
  /** duality gap per row (scikit-learn's form) */
  gap: Float64Array;
  iterations: Int32Array;
  /** non-zero weights per row */
  l0: Int32Array;
  /** 1 where gap ≤ tol·‖z‖² */
  converged: Uint8Array;
}

export interface NonNegativeLassoConfig {
  /** Solver threads; 1 solves on the calling thread. Default: the machine's available parallelism. */
  threads?: number;
  /** Kernel for Z·Cᵀ. Default: portable TypeScript. */
  matmul?: MatMul;
  /**
   * Where the solver's own kernels run (kernel-backend.ts). Default: $AUDIO_CONCEPTS_LASSO_KERNELS, else native
   * where the build compiled it, else WebAssembly. `native` where it was not built is an error.
   */
  kernels?: KernelBackend;
}

/**
 * Batched non-negative Lasso over a fixed dictionary: min_{w≥0} ‖Cᵀw − z‖² + λ‖w‖₁ for every row z of Z,
 * exactly (DESIGN §1). Rows are solved in parallel by worker threads sharing the Gram matrix.
 * Call `close()` when done to stop the threads.
 */
export class NonNegativeLasso {
  readonly threads: number;
  /** The backend the solver threads run their kernels on. */
  readonly kernels: KernelBackend;
  private readonly matmul: MatMul;
  private workers: Worker[] | undefined;
  private localKernel: SolverKernels | undefined;
  private spareCorrelations: SharedArrayBuffer | undefined;
  private nextJobId = 0;

  constructor(
    readonly dictionary: LassoDictionary,
    config: NonNegativeLassoConfig = {},
  ) {
    this.threads = Math.max(1, Math.floor(config.threads ?? availableParallelism()));
    this.matmul = config.matmul ?? jsMatMul;
    this.kernels = resolveKernelBackend(config.kernels);
  }

  /**
   * Builds the dictionary and the solver together: the solver threads boot (~40 ms each) while the Gram
   * matrix is computed, instead of at the first `solve`.
   */
  static async create(
    conceptsKxD: ArrayLike<number>,
    c: number,
    d: number,
    config: NonNegativeLassoConfig = {},
  ): Promise<NonNegativeLasso> {
    const dictionary = LassoDictionary.allocate(conceptsKxD, c, d);
    const solver = new NonNegativeLasso(dictionary, config);
    if (solver.threads > 1) solver.startWorkers();
    try {
      await dictionary.computeGram(solver.matmul);
    } catch (error) {
      await solver.close();
      throw error;
    }
    return solver;
  }

  /**
   * `embeddingsNxD`: row-major values of Z (n×d), used as given (no normalizing or centering). `warmStartNxC`:
   * weights to start each row's search from (e.g. the solutions at a nearby λ, as a λ sweep has them); the answer
   * is the same, found in fewer iterations. Not used with `maxConcepts`, whose path always starts at λ_max.
   */
  async solve(
    embeddingsNxD: ArrayLike<number>,
    n: number,
    d: number,
    options: LassoOptions,
    warmStartNxC?: ArrayLike<number>,
  ): Promise<LassoBatchResult> {
    const resolved = resolveLassoOptions(options);
    const { c } = this.dictionary;
    if (d !== this.dictionary.d)
      throw new ShapeMismatchError(
        `embeddings of shape [${n}, ${d}] do not match the concept dictionary of shape [${c}, ${this.dictionary.d}]: dimensions ${d} ≠ ${this.dictionary.d}`,
        [n, this.dictionary.d],
        [n, d],
      );
    const z = checkedMatrix(embeddingsNxD, n, d, 'embeddings');
    const squaredNorms = new Float64Array(new SharedArrayBuffer(8 * n));
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = i * d; t < (i + 1) * d; t++) s += z.data[t] * z.data[t];
      if (s === 0) throw new InvalidInputError(`embeddings row ${i} is all zeros: there is nothing to decompose`);
      squaredNorms[i] = s;
    }
    const result = allocateResult(n, c, resolved.lambda);
    if (n === 0) return result;
    const warmStart = warmStartNxC && sharedWarmStart(warmStartNxC, n, c);
    const product = await this.matmul.abt(z, this.dictionary.concepts);
    const correlations = this.takeCorrelationsBuffer(n * c);
    correlations.set(product.data);
    const job: SolveJobBuffers = {
      correlations,
      squaredNorms,
      weights: result.weights,
      objective: result.objective,
      gap: result.gap,
      iterations: result.iterations,
      l0: result.l0,
      converged: result.converged,
      lambdas: result.lambdas,
      warmStart,
      nextRow: new Int32Array(new SharedArrayBuffer(4)),
    };
    const threads = Math.min(this.threads, Math.ceil(n / 8));
    if (threads <= 1) {
      const { gram, c: concepts, d: dims } = this.dictionary;
      const capacity = supportCapacity(concepts, dims);
      this.localKernel ??= new SolverKernels(gram, gram.allocateSlot(capacity), capacity, this.kernels);
      runSolveJob(this.localKernel, c, n, resolved, job);
    } else await this.runOnWorkers(threads, n, resolved, job);
    this.spareCorrelations = correlations.buffer as SharedArrayBuffer;
    return result;
  }

  /**
   * A shared buffer for the batch's C·z: the one the last batch used, where it is large enough and no other solve
   * holds it. A fresh 65 MB SharedArrayBuffer per 4,096-row batch cost ~17 ms of page faults before the copy.
   */
  private takeCorrelationsBuffer(length: number): Float64Array {
    const spare = this.spareCorrelations;
    this.spareCorrelations = undefined;
    if (spare && spare.byteLength >= 8 * length) return new Float64Array(spare, 0, length);
    return new Float64Array(new SharedArrayBuffer(8 * length));
  }

  async close(): Promise<void> {
    const workers = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private async runOnWorkers(threads: number, n: number, options: object, job: SolveJobBuffers): Promise<void> {
    const workers = this.startWorkers().slice(0, threads);
    const id = this.nextJobId++;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (msg: { id: number; error?: string }) => {
              if (msg.id !== id) return;
              worker.unref();
              worker.off('message', onMessage);
              worker.off('error', onError);
              if (msg.error) reject(new AudioConceptsError(`solver thread failed: ${msg.error}`));
              else resolve();
            };
            const onError = (error: Error) => {
              worker.unref();
              worker.off('message', onMessage);
              reject(new AudioConceptsError(`solver thread crashed: ${error.message}`, { cause: error }));
            };
            // Idle threads are unref'd so they never keep the process alive; a running job holds it.
            worker.ref();
            worker.on('message', onMessage);
            worker.once('error', onError);
            worker.postMessage({ id, n, options, job });
          }),
      ),
    );
  }

  private startWorkers(): Worker[] {
    if (this.workers) return this.workers;
    const script = workerScript();
    const { gram } = this.dictionary;
    const capacity = supportCapacity(this.dictionary.c, this.dictionary.d);
    this.workers = Array.from({ length: this.threads }, () => {
      const slot = gram.allocateSlot(capacity);
      const workerData = { memory: gram.memory, c: gram.c, slot, capacity, kernels: this.kernels };
      const worker = new Worker(script.file, { workerData, execArgv: script.execArgv });
      worker.unref();
      return worker;
    });
    return this.workers;
  }
}

/**
 * The compiled worker next to this file, with no inherited loader flags (a parent run under tsx would
 * otherwise boot tsx in every thread, ~150 ms each); from sources (tests), the .ts one run through tsx.
 */
function workerScript(): { file: string; execArgv: string[] } {
  const compiled = join(__dirname, 'solve.worker.js');
  if (existsSync(compiled)) return { file: compiled, execArgv: [] };
  return { file: join(__dirname, 'solve.worker.ts'), execArgv: ['--require', 'tsx/cjs'] };
}

function sharedWarmStart(weightsNxC: ArrayLike<number>, n: number, c: number): Float64Array {
  if (weightsNxC.length !== n * c)
    throw new ShapeMismatchError(
      `a warm start of ${weightsNxC.length} weights for ${n} rows of ${c} concepts: expected n×c = ${n * c}`,
      [n, c],
      [weightsNxC.length],
    );
  const shared = new Float64Array(new SharedArrayBuffer(8 * n * c));
  for (let t = 0; t < n * c; t++) {
    const w = weightsNxC[t];
    if (!(w >= 0 && Number.isFinite(w)))
      throw new InvalidInputError(
        `warm start weight ${t % c} of row ${Math.floor(t / c)} is ${w}: expected finite ≥ 0`,
      );
    shared[t] = w;
  }
  return shared;
}

function allocateResult(n: number, c: number, lambda: number): LassoBatchResult {
  const shared = (bytes: number) => new SharedArrayBuffer(Math.max(bytes, 1));
  return {
    n,
    c,
    lambda,
    lambdas: new Float64Array(shared(8 * n), 0, n),
    weights: new Float64Array(shared(8 * n * c), 0, n * c),
    objective: new Float64Array(shared(8 * n), 0, n),
    gap: new Float64Array(shared(8 * n), 0, n),
    iterations: new Int32Array(shared(4 * n), 0, n),
    l0: new Int32Array(shared(4 * n), 0, n),
    converged: new Uint8Array(shared(n), 0, n),
  };
}
