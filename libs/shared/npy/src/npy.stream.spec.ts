import { FormatError, InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { NdArray, NpyData } from './nd-array';
import { readNpy } from './npy.reader';
import { type NpyRowChunk, type NpyRowStream, openNpyRows } from './npy.stream';
import { encodeNpy, writeNpy } from './npy.writer';

const tmp = mkdtempSync(join(tmpdir(), 'npy-stream-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;

async function writeTemp(arr: NdArray): Promise<string> {
  const path = join(tmp, `${fileNo++}.npy`);
  await writeNpy(path, arr);
  return path;
}

async function collect(stream: NpyRowStream): Promise<NpyRowChunk[]> {
  const chunks: NpyRowChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const bytesOf = (data: NpyData): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** Checks that the chunks tile `whole` along the first axis, in order, `rowsPerChunk` rows at a time. */
function expectChunksMatch(chunks: NpyRowChunk[], whole: NdArray, rowsPerChunk: number): void {
  const [rows, ...rowShape] = whole.shape;
  expect(chunks.map((c) => c.rowStart)).toEqual(
    Array.from({ length: Math.ceil(rows / rowsPerChunk) }, (_, i) => i * rowsPerChunk),
  );
  for (const { rowStart, rows: chunk } of chunks) {
    expect(chunk.dtype).toBe(whole.dtype);
    expect(chunk.shape).toEqual([Math.min(rowsPerChunk, rows - rowStart), ...rowShape]);
  }
  expect(Buffer.concat(chunks.map((c) => bytesOf(c.rows.data)))).toEqual(bytesOf(whole.data));
}

describe('openNpyRows', () => {
  it('yields the same rows as readNpy when the row count is not a multiple of the chunk size', async () => {
    const data = Float32Array.from({ length: 23 * 3 }, (_, i) => Math.sin(i));
    const path = await writeTemp({ dtype: 'float32', shape: [23, 3], data });
    const stream = await openNpyRows(path, { rowsPerChunk: 5 });
    expect(stream.shape).toEqual([23, 3]);
    expect(stream.dtype).toBe('float32');
    const chunks = await collect(stream);
    expect(chunks.map((c) => c.rows.shape[0])).toEqual([5, 5, 5, 5, 3]);
    expect(chunks[4].rows.data).toEqual(data.subarray(60));
    expectChunksMatch(chunks, await readNpy(path), 5);
  });

  it('matches readNpy for random arrays and chunk sizes', async () => {
    const arrays = fc
      .record({
        rows: fc.nat({ max: 30 }),
        rest: fc.array(fc.nat({ max: 3 }), { maxLength: 2 }),
        dtype: fc.constantFrom('float64' as const, 'int64' as const, 'uint8' as const, 'int16' as const),
      })
      .map(({ rows, rest, dtype }): NdArray => {
        const shape = [rows, ...rest];
        const n = shape.reduce((a, b) => a * b, 1);
        const data =
          dtype === 'float64'
            ? Float64Array.from({ length: n }, (_, i) => i / 7)
            : dtype === 'int64'
              ? BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 3_000_000_000n)
              : dtype === 'uint8'
                ? Uint8Array.from({ length: n }, (_, i) => i % 256)
                : Int16Array.from({ length: n }, (_, i) => i - 100);
        return { dtype, shape, data };
      });
    await fc.assert(
      fc.asyncProperty(arrays, fc.integer({ min: 1, max: 12 }), async (arr, rowsPerChunk) => {
        const path = await writeTemp(arr);
        expectChunksMatch(await collect(await openNpyRows(path, { rowsPerChunk })), await readNpy(path), rowsPerChunk);
      }),
      { numRuns: 60 },
    );
  });

  it('handles zero rows, zero-width rows, one big chunk and the default chunk size', async () => {
    expect(
      await collect(await openNpyRows(await writeTemp({ dtype: 'int32', shape: [0, 3], data: new Int32Array(0) }))),
    ).toEqual([]);
    const wide = await collect(
      await openNpyRows(await writeTemp({ dtype: 'int32', shape: [3, 0], data: new Int32Array(0) }), {
        rowsPerChunk: 2,
      }),
    );
    expect(wide.map((c) => [c.rowStart, c.rows.shape])).toEqual([
      [0, [2, 0]],
      [2, [1, 0]],
    ]);
    const vector = { dtype: 'int64' as const, shape: [7], data: BigInt64Array.of(1n, 2n, 3n, 4n, 5n, 6n, 7n) };
    const path = await writeTemp(vector);
    const stream = await openNpyRows(path);
    expect(stream.rowsPerChunk).toBe(1024);
    expectChunksMatch(await collect(stream), vector, 1024);
    expectChunksMatch(await collect(await openNpyRows(path, { rowsPerChunk: 3 })), vector, 3);
  });

  it('can be iterated again, and stopping early is fine', async () => {
    const arr: NdArray = { dtype: 'int16', shape: [5, 2, 2], data: Int16Array.from({ length: 20 }, (_, i) => i) };
    const stream = await openNpyRows(await writeTemp(arr), { rowsPerChunk: 2 });
    for await (const chunk of stream) {
      expect(chunk.rowStart).toBe(0);
      break;
    }
    expectChunksMatch(await collect(stream), arr, 2);
    expectChunksMatch(await collect(stream), arr, 2);
  });

  it('gives each chunk a buffer of its own', async () => {
    const stream = await openNpyRows(await writeTemp({ dtype: 'uint8', shape: [4], data: Uint8Array.of(1, 2, 3, 4) }), {
      rowsPerChunk: 2,
    });
    const [a, b] = await collect(stream);
    expect(a.rows.data.buffer).not.toBe(b.rows.data.buffer);
    expect(a.rows.data.byteLength).toBe(a.rows.data.buffer.byteLength);
  });

  it('rejects bad arguments and 0-d arrays', async () => {
    const path = await writeTemp({ dtype: 'float64', shape: [], data: Float64Array.of(1) });
    await expect(openNpyRows(path)).rejects.toThrow(ShapeMismatchError);
    await expect(openNpyRows(path)).rejects.toThrow('at least one dimension, got shape ()');
    for (const rowsPerChunk of [0, -1, 1.5, NaN]) {
      await expect(openNpyRows(path, { rowsPerChunk })).rejects.toThrow(InvalidInputError);
    }
    await expect(openNpyRows(join(tmp, 'missing.npy'))).rejects.toThrow(/ENOENT/);
  });

  it('checks the header and the file size before yielding anything', async () => {
    const arr: NdArray = { dtype: 'float32', shape: [4, 2], data: new Float32Array(8) };
    const truncated = await writeTemp(arr);
    truncateSync(truncated, 128 + 30);
    await expect(openNpyRows(truncated)).rejects.toThrow(FormatError);
    await expect(openNpyRows(truncated)).rejects.toThrow(/truncated data.*needs 32 bytes, the file has 30/);

    const tooLong = await writeTemp(arr);
    appendFileSync(tooLong, Buffer.alloc(4));
    await expect(openNpyRows(tooLong)).rejects.toThrow('does not match the shape');

    const shortHeader = join(tmp, 'short-header.npy');
    writeFileSync(shortHeader, encodeNpy(arr).subarray(0, 40));
    await expect(openNpyRows(shortHeader)).rejects.toThrow(`${shortHeader}: truncated header`);

    const notNpy = join(tmp, 'not.npy');
    writeFileSync(notNpy, 'hello');
    await expect(openNpyRows(notNpy)).rejects.toThrow(`${notNpy}: not a .npy file`);

    const empty = join(tmp, 'empty.npy');
    writeFileSync(empty, '');
    await expect(openNpyRows(empty)).rejects.toThrow('not a .npy file');
  });

  it('notices when the file changes between opening and iterating', async () => {
    const path = await writeTemp({ dtype: 'float32', shape: [4, 2], data: new Float32Array(8) });
    const stream = await openNpyRows(path, { rowsPerChunk: 2 });
    await writeNpy(path, { dtype: 'float32', shape: [2, 4], data: new Float32Array(8) });
    await expect(collect(stream)).rejects.toThrow('changed since openNpyRows');
  });
});
