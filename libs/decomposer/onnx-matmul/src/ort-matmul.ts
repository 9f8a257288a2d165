import { availableParallelism } from 'node:os';
import { AudioConceptsError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import type { Matrix, MatMul } from '@audio-concepts/decomposer-lasso';
import * as ort from 'onnxruntime-node';
import { GEMM_ABT_INPUTS, GEMM_ABT_OUTPUT, OnnxElemType, encodeGemmAbtModel } from './gemm-abt.model';

export interface OrtMatMulOptions {
  /** Threads of onnxruntime's intra-op pool, which MLAS splits a GEMM over (default: os.availableParallelism()). */
  threads?: number;
}

/** A `MatMul` backed by one onnxruntime InferenceSession; `close()` releases the session's native resources. */
export interface OrtMatMul extends MatMul {
  /** The intra-op thread count the session was created with. */
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * Creates a `MatMul` whose A·Bᵀ runs as a float64 `Gemm` on onnxruntime's CPU execution provider (MLAS,
 * multithreaded). One session is created up front and reused by every call; concurrent `abt` calls are safe.
 */
export async function createOrtMatMul(options: OrtMatMulOptions = {}): Promise<OrtMatMul> {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1)
    throw new AudioConceptsError(`createOrtMatMul: threads must be a positive integer, got ${threads}`);

  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(encodeGemmAbtModel({ elemType: OnnxElemType.DOUBLE }), {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // onnxruntime's pool threads busy-wait for more work after each run by default; between our GEMMs
      // the solver threads need those cores (measured: spinning made two solver threads no faster than one).
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  } catch (cause) {
    throw new AudioConceptsError(`onnxruntime could not create the Gemm session: ${messageOf(cause)}`, { cause });
  }

  let closed = false;
  return {
    name: 'onnxruntime-cpu',
    threads,

    async abt(a: Matrix, b: Matrix): Promise<Matrix> {
      checkData(a, 'A');
      checkData(b, 'B');
      if (a.cols !== b.cols)
        throw new ShapeMismatchError(
          `abt: A is [${a.rows}, ${a.cols}] and B is [${b.rows}, ${b.cols}]; A·Bᵀ needs equal column counts`,
          [a.rows, b.cols],
          [a.rows, a.cols],
        );
      const m = a.rows;
      const n = b.rows;
      // Degenerate shapes never reach onnxruntime: an empty product, or k = 0 where every dot product is 0.
      if (m === 0 || n === 0 || a.cols === 0) return { data: new Float64Array(m * n), rows: m, cols: n };
      if (closed) throw new AudioConceptsError('abt: this onnxruntime MatMul has been closed');

      let y: ort.Tensor;
      try {
        const feeds = {
          [GEMM_ABT_INPUTS.a]: new ort.Tensor('float64', a.data, [m, a.cols]),
          [GEMM_ABT_INPUTS.b]: new ort.Tensor('float64', b.data, [n, b.cols]),
        };
        const results = await session.run(feeds);
        y = results[GEMM_ABT_OUTPUT];
      } catch (cause) {
        throw new AudioConceptsError(
          `onnxruntime Gemm failed for A [${m}, ${a.cols}] · B [${n}, ${b.cols}]ᵀ: ${messageOf(cause)}`,
          { cause },
        );
      }
      if (y === undefined || y.type !== 'float64' || y.dims.length !== 2 || y.dims[0] !== m || y.dims[1] !== n)
        throw new AudioConceptsError(
          `onnxruntime Gemm returned ${y === undefined ? 'no output' : `${y.type} [${y.dims.join(', ')}]`}, expected float64 [${m}, ${n}]`,
        );
      const data = y.data;
      return {
        data: data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>),
        rows: m,
        cols: n,
      };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}

function checkData(x: Matrix, what: string): void {
  if (
    !Number.isInteger(x.rows) ||
    !Number.isInteger(x.cols) ||
    x.rows < 0 ||
    x.cols < 0 ||
    x.data.length !== x.rows * x.cols
  )
    throw new ShapeMismatchError(
      `abt: ${what} has ${x.data.length} values, which do not fill shape [${x.rows}, ${x.cols}]`,
      [x.rows, x.cols],
      [x.data.length],
    );
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
