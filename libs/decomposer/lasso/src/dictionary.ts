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
    const dictionary = LassoDictionary.allocate(conceptsKxD, c, d);
    await dictionary.computeGram(matmul);
    return dictionary;
  }

  /**
   * Checks C and reserves the shared memory, without computing G yet: solver threads can start (they only
   * need the memory) while `computeGram` runs. Solve only after `computeGram` has resolved.
   */
  static allocate(conceptsKxD: ArrayLike<number>, c: number, d: number): LassoDictionary {
    if (!(c >= 1 && d >= 1))
      throw new InvalidInputError(
        `concept dictionary must have at least one concept and one dimension, got shape [${c}, ${d}]`,
      );
    return new LassoDictionary(checkedMatrix(conceptsKxD, c, d, 'concept dictionary'), SharedGram.create(c));
  }

  /** Fills G = C·Cᵀ (rows padded to the shared memory's stride). */
  async computeGram(matmul: MatMul = jsMatMul): Promise<void> {
    const product = await matmul.abt(this.concepts, this.concepts);
    const view = this.gram.gram;
    const { c } = this;
    for (let j = 0; j < c; j++) view.set(product.data.subarray(j * c, (j + 1) * c), j * this.gram.stride);
  }
}
