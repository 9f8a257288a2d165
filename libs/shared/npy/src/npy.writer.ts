import { open, rename, rm } from 'node:fs/promises';
import { temporaryPathFor, writeFileAtomic } from '@audio-concepts/shared-files';
import { type NdArray, assertLittleEndianHost, assertNdArray } from './nd-array';
import { encodeNpyHeader } from './npy.header';

/** The header and the data of `arr`'s .npy encoding; the data bytes are a view of `arr.data`, not a copy. */
function npyParts(arr: NdArray, what: string): [Uint8Array, Uint8Array] {
  assertLittleEndianHost();
  assertNdArray(arr, what);
  const { data } = arr;
  return [encodeNpyHeader(arr.dtype, arr.shape), new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
}

/** Encodes `arr` as a .npy file (version 1.0, or 2.0 when the header needs it), byte-for-byte as NumPy would. */
export function encodeNpy(arr: NdArray): Uint8Array {
  const [header, data] = npyParts(arr, 'encodeNpy');
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/**
 * Writes `arr` to `path` atomically: the bytes go to a temporary file next to it, which is flushed to disk and
 * then renamed over `path`, so readers see either the old file or the complete new one.
 */
export async function writeNpy(path: string, arr: NdArray): Promise<void> {
  const [header, data] = npyParts(arr, path);
  await writeFileAtomic(path, header, data);
}

/** Writes a .npy file row chunk by row chunk (constant memory); see {@link createNpyRowWriter}. */
export interface NpyRowWriter {
  /** Appends values (a whole number of rows, in the writer's dtype) after those already written. */
  write(values: NdArray['data']): Promise<void>;
  /** Checks every row was written, flushes and renames the file into place. */
  close(): Promise<void>;
  /** Deletes the partial file. */
  abort(): Promise<void>;
}

/**
 * Opens `path` for writing an array of `shape` (rows first) whose size is known up front but whose rows
 * arrive in chunks. Like `writeNpy`, the file appears at `path` only once complete.
 */
export async function createNpyRowWriter(
  path: string,
  dtype: NdArray['dtype'],
  shape: readonly number[],
): Promise<NpyRowWriter> {
  assertLittleEndianHost();
  const header = encodeNpyHeader(dtype, shape);
  const total = shape.reduce((a, b) => a * b, 1);
  const tmp = temporaryPathFor(path);
  const handle = await open(tmp, 'wx');
  await handle.writeFile(header);
  let written = 0;
  let closed = false;
  const abort = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
  };
  return {
    async write(values) {
      if (closed) throw new Error(`${path}: write after close`);
      if (written + values.length > total)
        throw new RangeError(
          `${path}: ${written + values.length} values exceed the declared shape [${shape.join(', ')}]`,
        );
      await handle.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      written += values.length;
    },
    async close() {
      if (written !== total) {
        await abort();
        throw new RangeError(
          `${path}: only ${written} of ${total} values were written for shape [${shape.join(', ')}]`,
        );
      }
      closed = true;
      await handle.sync();
      await handle.close();
      await rename(tmp, path);
    },
    abort,
  };
}
