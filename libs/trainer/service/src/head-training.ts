import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { asFloat64Matrix, asIntVector, readNpy, type Float64Matrix } from '@audio-concepts/shared-npy';
import { trainHead, type HeadTrainingOptions, type TrainedHead } from '@audio-concepts/trainer-head';

/** Where a head's training data is: the arrays `embed` writes (A.npy, y.npy, P.npy) and an optional 0/1 mask. */
export interface HeadTrainingFiles {
  audio: string;
  labels: string;
  prompts: string;
  trainMask?: string;
}

/** The training data, read: n × d audio, n labels, k × d prompts, the mask (n) if any. */
export interface HeadTrainingArrays {
  audio: Float64Matrix;
  labels: Int32Array;
  prompts: Float64Matrix;
  trainMask?: Int32Array;
}

export async function readHeadTrainingArrays(files: HeadTrainingFiles): Promise<HeadTrainingArrays> {
  return {
    audio: asFloat64Matrix(await readNpy(files.audio), files.audio),
    labels: asIntVector(await readNpy(files.labels), files.labels),
    prompts: asFloat64Matrix(await readNpy(files.prompts), files.prompts),
    trainMask: files.trainMask ? asIntVector(await readNpy(files.trainMask), files.trainMask) : undefined,
  };
}

/**
 * `trainHead` on these arrays with onnxruntime's float64 Gemm (`threads`, default all cores) as its product kernel:
 * how `train-head` and the trainer service train, the same bytes for the same seed.
 */
export async function trainHeadOnOrt(
  { audio, labels, prompts, trainMask }: HeadTrainingArrays,
  options: Omit<HeadTrainingOptions, 'matmul'>,
  threads?: number,
): Promise<TrainedHead> {
  const matmul = await createOrtMatMul({ threads });
  try {
    return await trainHead(
      { audio: audio.data, n: audio.rows, d: audio.cols, labels, prompts: prompts.data, k: prompts.rows, trainMask },
      { ...options, matmul },
    );
  } finally {
    await matmul.close();
  }
}
