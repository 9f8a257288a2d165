import { InvalidInputError } from '@audio-concepts/shared-errors';
import { checkedMatrix, type Matrix } from './matrix';
import { jsMatMul, type MatMul } from './matmul';
import { SharedGram } from './shared-gram';

/**
 * A concept dictionary C (c×d, one concept per row) with its Gram matrix G = C·Cᵀ, computed once and reused
 * for every batch. G lives in shared WebAssembly memory so solver threads and the SIMD kernel read it in place.
 */
export class LassoDictionary {
  private constructor(
    /** C, c×d */
    readonly concepts: Matrix,
    /** G = C·Cᵀ in shared memory */
    readonly gram: SharedGram,
  ) {}

  get c(): number {
    return this.concepts.rows;
  }

  get d(): number {
    return this.concepts.cols;
  }

  /** `conceptsKxD`: row-major values of C; checked for size and finiteness first. */
  static async create(
    conceptsKxD: ArrayLike<number>,
    c: number,
    d: number,
    matmul: MatMul = jsMatMul,
  ): Promise<LassoDictionary> {
    if (!(c >= 1 && d >= 1))
      throw new InvalidInputError(
        `concept dictionary must have at least one concept and one dimension, got shape [${c}, ${d}]`,
      );
    const concepts = checkedMatrix(conceptsKxD, c, d, 'concept dictionary');
    const gram = SharedGram.create(c);
    const product = await matmul.abt(concepts, concepts);
    const view = gram.gram;
    for (let j = 0; j < c; j++) view.set(product.data.subarray(j * c, (j + 1) * c), j * gram.stride);
    return new LassoDictionary(concepts, gram);
  }
}
