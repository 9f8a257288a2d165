import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';

/** The element types we read and write. Anything else in a .npy file is rejected with a FormatError. */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'int16';

export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int16Array;

/** The typed array that holds the elements of each dtype. */
export interface NpyDataByDtype {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  int16: Int16Array;
}

/**
 * An n-dimensional array: `data` holds the elements flat, in row-major (C) order; `shape` is its
 * dimensions (`[]` for a 0-d scalar, which still has one element); `data.length` is the product of `shape`.
 */
export interface NdArray<T extends NpyData = NpyData> {
  data: T;
  shape: number[];
  dtype: NpyDtype;
}

interface DtypeInfo {
  /** The descr NumPy writes in the header, little-endian (`|` for one-byte types). */
  readonly descr: string;
  readonly bytesPerElement: number;
  /** What `data[Symbol.toStringTag]` must be; checked by name so that arrays from another realm pass too. */
  readonly arrayName: string;
  readonly create: (buffer: ArrayBufferLike, byteOffset: number, length: number) => NpyData;
}

export const DTYPE_INFO: { readonly [D in NpyDtype]: DtypeInfo } = {
  float32: {
    descr: '<f4',
    bytesPerElement: 4,
    arrayName: 'Float32Array',
    create: (b, o, n) => new Float32Array(b, o, n),
  },
  float64: {
    descr: '<f8',
    bytesPerElement: 8,
    arrayName: 'Float64Array',
    create: (b, o, n) => new Float64Array(b, o, n),
  },
  int32: { descr: '<i4', bytesPerElement: 4, arrayName: 'Int32Array', create: (b, o, n) => new Int32Array(b, o, n) },
  int64: {
    descr: '<i8',
    bytesPerElement: 8,
    arrayName: 'BigInt64Array',
    create: (b, o, n) => new BigInt64Array(b, o, n),
  },
  uint8: { descr: '|u1', bytesPerElement: 1, arrayName: 'Uint8Array', create: (b, o, n) => new Uint8Array(b, o, n) },
  int16: { descr: '<i2', bytesPerElement: 2, arrayName: 'Int16Array', create: (b, o, n) => new Int16Array(b, o, n) },
};

export const NPY_DTYPES = Object.keys(DTYPE_INFO) as readonly NpyDtype[];

export function isNpyDtype(value: unknown): value is NpyDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_INFO, value);
}

/**
 * This library copies element bytes straight between .npy files (always little-endian here) and typed arrays
 * (host byte order), so it assumes a little-endian host — every platform Node.js ships for is one. The guard
 * turns the assumption into a clear error instead of silently byte-swapped numbers.
 */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function assertLittleEndianHost(): void {
  if (!LITTLE_ENDIAN_HOST) {
    throw new InvalidInputError('@audio-concepts/shared-npy needs a little-endian host');
  }
}

/** A shape as Python writes it: `()`, `(3,)`, `(2, 3)`. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** The number of elements of `shape` (1 for a 0-d array), or undefined if it is not a safe integer. */
export function elementCount(shape: readonly number[]): number | undefined {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const dim of shape) {
    count *= dim;
    if (!Number.isSafeInteger(count)) return undefined;
  }
  return count;
}

/**
 * Checks that `arr` is a consistent NdArray: a known dtype, the typed array that dtype needs, non-negative
 * integer dimensions, and exactly as many elements as the shape says. `what` names it in the messages.
 */
export function assertNdArray(arr: NdArray, what: string): void {
  if (!isNpyDtype(arr.dtype)) {
    throw new InvalidInputError(`${what}: unknown dtype '${String(arr.dtype)}' (supported: ${NPY_DTYPES.join(', ')})`);
  }
  const info = DTYPE_INFO[arr.dtype];
  const dataName = ArrayBuffer.isView(arr.data) ? arr.data[Symbol.toStringTag] : typeof arr.data;
  if (dataName !== info.arrayName) {
    throw new InvalidInputError(`${what}: dtype '${arr.dtype}' needs a ${info.arrayName}, got ${dataName}`);
  }
  if (!Array.isArray(arr.shape)) {
    throw new InvalidInputError(`${what}: shape must be an array of dimensions`);
  }
  for (const dim of arr.shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new InvalidInputError(
        `${what}: shape [${arr.shape.join(', ')}] has an invalid dimension ${dim} (must be a non-negative integer)`,
      );
    }
  }
  const count = elementCount(arr.shape);
  if (count !== arr.data.length) {
    throw new ShapeMismatchError(
      `${what}: data has ${arr.data.length} elements but shape ${formatShape(arr.shape)} needs ${count ?? 'too many'}`,
      arr.shape,
      [arr.data.length],
    );
  }
}
