import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DTYPE_INFO, type NdArray, assertLittleEndianHost } from './nd-array';
import { checkDataLength, parseNpyHeader } from './npy.header';

/**
 * Decodes a whole .npy file. `source` (usually the path) names the file in error messages.
 *
 * The result's `data` is a view into `bytes`' buffer when the data offset is aligned for the element type
 * (always so for files NumPy writes), and a copy otherwise; copy it before mutating `bytes` if that matters.
 */
export function parseNpy(bytes: Uint8Array, source?: string): NdArray {
  assertLittleEndianHost();
  const header = parseNpyHeader(bytes, source);
  checkDataLength(header, bytes.length - header.dataOffset, source);
  const info = DTYPE_INFO[header.dtype];
  const byteOffset = bytes.byteOffset + header.dataOffset;
  if (byteOffset % info.bytesPerElement === 0) {
    return {
      data: info.create(bytes.buffer, byteOffset, header.elementCount),
      shape: header.shape,
      dtype: header.dtype,
    };
  }
  // A typed array view must start at a multiple of its element size; copy into a fresh (aligned) buffer.
  const copy = new Uint8Array(header.dataByteLength);
  copy.set(bytes.subarray(header.dataOffset, header.dataOffset + header.dataByteLength));
  return { data: info.create(copy.buffer, 0, header.elementCount), shape: header.shape, dtype: header.dtype };
}

/** Reads and decodes a .npy file. */
export async function readNpy(path: string): Promise<NdArray> {
  return parseNpy(await readFile(path), path);
}

/** Reads and decodes a .npy file, synchronously. */
export function readNpySync(path: string): NdArray {
  return parseNpy(readFileSync(path), path);
}
