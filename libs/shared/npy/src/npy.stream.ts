import { FormatError, InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { type FileHandle, open } from 'node:fs/promises';
import { readAt } from '@audio-concepts/shared-files';
import { DTYPE_INFO, type NdArray, type NpyDtype, assertLittleEndianHost, formatShape } from './nd-array';
import { MAX_PREAMBLE_LENGTH, type NpyHeader, checkDataLength, parseNpyHeader, parseNpyPreamble } from './npy.header';

export interface NpyRowChunk {
  /** Index of the first row of this chunk along the first axis. */
  rowStart: number;
  /** The chunk's rows: shape `[n, ...shape.slice(1)]`, in a buffer of its own. */
  rows: NdArray;
}

/** A .npy file read lazily along its first axis; iterate it (as often as you like) with `for await`. */
export interface NpyRowStream extends AsyncIterable<NpyRowChunk> {
  readonly path: string;
  readonly shape: number[];
  readonly dtype: NpyDtype;
  readonly rowsPerChunk: number;
}

export interface OpenNpyRowsOptions {
  /** Rows per yielded chunk (the last one may have fewer); default 1024. */
  rowsPerChunk?: number;
}

const DEFAULT_ROWS_PER_CHUNK = 1024;

/** Reads and validates the header, and checks the file's size against it. */
async function readLayout(handle: FileHandle, path: string): Promise<NpyHeader> {
  const { size } = await handle.stat();
  const { dataOffset } = parseNpyPreamble(await readAt(handle, 0, Math.min(size, MAX_PREAMBLE_LENGTH)), path);
  const header = parseNpyHeader(await readAt(handle, 0, Math.min(size, dataOffset)), path);
  checkDataLength(header, size - header.dataOffset, path);
  return header;
}

/**
 * Opens a .npy file for reading in chunks of rows (along the first axis) without loading it whole: the
 * header is read and checked now, the data chunk by chunk during iteration, each chunk in a fresh buffer.
 * The file is opened anew for each iteration and closed when it ends, also on `break` or an error.
 */
export async function openNpyRows(path: string, options: OpenNpyRowsOptions = {}): Promise<NpyRowStream> {
  assertLittleEndianHost();
  const rowsPerChunk = options.rowsPerChunk ?? DEFAULT_ROWS_PER_CHUNK;
  if (!Number.isSafeInteger(rowsPerChunk) || rowsPerChunk < 1) {
    throw new InvalidInputError(`openNpyRows(${path}): rowsPerChunk must be a positive integer, got ${rowsPerChunk}`);
  }
  const handle = await open(path, 'r');
  let header: NpyHeader;
  try {
    header = await readLayout(handle, path);
  } finally {
    await handle.close();
  }
  const { shape, dtype, dataOffset } = header;
  if (shape.length === 0) {
    throw new ShapeMismatchError(
      `${path}: reading rows needs an array with at least one dimension, got shape ()`,
      ['rows', '...'],
      shape,
    );
  }
  const info = DTYPE_INFO[dtype];
  const rowShape = shape.slice(1);
  const rowElements = rowShape.reduce((a, b) => a * b, 1);
  const rowBytes = rowElements * info.bytesPerElement;
  const rowCount = shape[0];

  return {
    path,
    shape: [...shape],
    dtype,
    rowsPerChunk,
    async *[Symbol.asyncIterator]() {
      const file = await open(path, 'r');
      try {
        const now = await readLayout(file, path);
        if (now.dataOffset !== dataOffset || now.dtype !== dtype || formatShape(now.shape) !== formatShape(shape)) {
          throw new FormatError(`${path}: the file changed since openNpyRows read its header`, path);
        }
        for (let rowStart = 0; rowStart < rowCount; rowStart += rowsPerChunk) {
          const n = Math.min(rowsPerChunk, rowCount - rowStart);
          const bytes = await readAt(file, dataOffset + rowStart * rowBytes, n * rowBytes);
          if (bytes.length < n * rowBytes) {
            const expected = dataOffset + header.dataByteLength;
            const actual = dataOffset + rowStart * rowBytes + bytes.length;
            throw new FormatError(
              `${path}: truncated data: the file shrank while being read (expected ${expected} bytes, it ends at ${actual})`,
              path,
            );
          }
          // `bytes` owns a fresh ArrayBuffer starting at offset 0, so the typed array view is aligned.
          const data = info.create(bytes.buffer, bytes.byteOffset, n * rowElements);
          yield { rowStart, rows: { data, shape: [n, ...rowShape], dtype } };
        }
      } finally {
        await file.close();
      }
    },
  };
}
