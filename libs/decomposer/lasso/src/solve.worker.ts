import { parentPort, workerData } from 'node:worker_threads';
import type { KernelBackend } from './kernel-backend';
import type { ResolvedLassoOptions } from './lasso.options';
import { SharedGram, SolverKernels } from './shared-gram';
import { runSolveJob, type SolveJobBuffers } from './solve.job';

/** Solver thread: attaches to the shared Gram memory and its own scratch slot, then runs solve jobs. */
const { memory, c, slot, capacity, kernels } = workerData as {
  memory: WebAssembly.Memory;
  c: number;
  slot: number;
  capacity: number;
  kernels: KernelBackend;
};
const kernel = new SolverKernels(SharedGram.attach(memory, c), slot, capacity, kernels);

parentPort!.on('message', (msg: { id: number; n: number; options: ResolvedLassoOptions; job: SolveJobBuffers }) => {
  try {
    runSolveJob(kernel, c, msg.n, msg.options, msg.job);
    parentPort!.postMessage({ id: msg.id });
  } catch (error) {
    parentPort!.postMessage({
      id: msg.id,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
});
