import { loadConceptSpace, resolveConceptSpace, type ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';

export interface OpenStoredSpaceOptions {
  /** a space directory, or an id (or unique id prefix) in `storeDir` */
  space: string;
  /** the store of spaces (`<cache-dir>/spaces`) */
  storeDir: string;
  /** solver and GEMM threads (default: all cores) */
  threads?: number;
}

export interface OpenedStoredSpace {
  space: ConceptSpace;
  /** where it was found */
  dir: string;
  /** releases the solver and the GEMM session */
  close(): Promise<void>;
}

/**
 * A stored concept space (`audio-concepts space build`), loaded for decomposing with onnxruntime's GEMM: no CLAP
 * model is involved. What the decomposer service, `tag --space` and `eval --space` open.
 */
export async function openStoredSpace(options: OpenStoredSpaceOptions): Promise<OpenedStoredSpace> {
  const dir = await resolveConceptSpace(options.space, options.storeDir);
  const matmul = await createOrtMatMul({ threads: options.threads });
  try {
    const space = await loadConceptSpace(dir, { matmul, threads: options.threads });
    return {
      space,
      dir,
      close: async () => {
        await space.close();
        await matmul.close();
      },
    };
  } catch (error) {
    await matmul.close();
    throw error;
  }
}
