import { AudioConceptsError, InvalidInputError, errorMessage } from '@audio-concepts/shared-errors';
import { builtFile } from './built-file';

/**
 * Where the solver's gradient runs, its hottest loop: `native`, the Node-API addon built from gram-kernels.c when
 * the build found a C compiler (eight doubles per step with AVX-512, four with AVX2), or `webassembly`,
 * gram-kernels.wat (two per step, always built). The triangular solves run in WebAssembly either way. Both round
 * every operation alike, so the solutions are bit-identical.
 */
export type KernelBackend = 'native' | 'webassembly';

const BACKENDS: readonly KernelBackend[] = ['native', 'webassembly'];

/** Environment variable choosing the backend where the code does not: `native` or `webassembly`. */
export const KERNELS_ENV = 'AUDIO_CONCEPTS_LASSO_KERNELS';

/** The solver's kernels with their arguments: byte offsets into the shared memory (see SolverKernels). */
export type KernelExports = {
  gradient(stride: number, gram: number, rows: number, w: number, s: number, b: number, g: number): void;
  forwardSolve(l: number, stride: number, k: number, v: number, y: number): void;
  backSolve(l: number, stride: number, k: number, y: number): void;
};

interface NativeAddon {
  /** The gradient kernel, working in `memory` (a view of all of it): a bad offset throws a RangeError. */
  bind(memory: Uint8Array): Pick<KernelExports, 'gradient'>;
  /** The variant the CPU runs: "avx512", "avx2" or "baseline". */
  simd(): string;
}

let native: { addon: NativeAddon } | { reason: string } | undefined;

/** The native addon, loaded once per thread, or why it is not there. */
export function nativeKernels(): { addon: NativeAddon } | { reason: string } {
  if (native) return native;
  const { file } = builtFile('gram-kernels.node');
  if (!file) {
    native = { reason: 'gram-kernels.node was not built (the build found no C compiler: install gcc and rebuild)' };
    return native;
  }
  try {
    const module = { exports: {} as NativeAddon };
    process.dlopen(module, file);
    native = { addon: module.exports };
  } catch (error) {
    native = { reason: `${file} does not load: ${errorMessage(error)}` };
  }
  return native;
}

/**
 * The backend to use: the one asked for, else $AUDIO_CONCEPTS_LASSO_KERNELS, else native where it was built and
 * WebAssembly where not. Asking for native where it is not available is an error that says why.
 */
export function resolveKernelBackend(requested?: KernelBackend): KernelBackend {
  const fromEnv = process.env[KERNELS_ENV];
  if (requested === undefined && fromEnv !== undefined && fromEnv !== '' && !isBackend(fromEnv))
    throw new InvalidInputError(`${KERNELS_ENV}=${fromEnv}: expected one of ${BACKENDS.join(', ')}`);
  const wanted = requested ?? (fromEnv ? (fromEnv as KernelBackend) : undefined);
  if (wanted === 'webassembly') return 'webassembly';
  const available = nativeKernels();
  if (wanted === 'native' && 'reason' in available)
    throw new AudioConceptsError(
      `native Lasso kernels were asked for (${requested ? "kernels: 'native'" : `${KERNELS_ENV}=native`}), but ${available.reason}`,
    );
  return 'addon' in available ? 'native' : 'webassembly';
}

/** For logs and benches: "native (avx512)", or "webassembly" with why native is not used when it was not asked. */
export function describeKernelBackend(backend: KernelBackend): string {
  const available = nativeKernels();
  if (backend === 'native') return 'addon' in available ? `native (${available.addon.simd()})` : 'native';
  return 'reason' in available ? `webassembly (${available.reason})` : 'webassembly';
}

function isBackend(value: string): value is KernelBackend {
  return (BACKENDS as readonly string[]).includes(value);
}
