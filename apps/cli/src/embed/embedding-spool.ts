import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { temporaryPathFor } from '@audio-concepts/shared-files';
import { createNpyRowWriter } from '@audio-concepts/shared-npy';

/** Rows copied from the spool into the .npy per step: 4096 × 512 float32 = 8 MiB. */
const COPY_ROWS = 4096;

/**
 * Audio embeddings of a run whose length is unknown until it ends, kept in constant memory: the rows go to a
 * temporary file next to the output (the .npy header needs the row count first) and the index lines to another.
 * `finish()` writes `npyPath` (float32, n × d) and `indexPath`, each appearing only once complete; `abort()`
 * leaves nothing behind.
 */
export class EmbeddingSpool {
  rows = 0;
  private readonly rowsTmp: string;
  private readonly indexTmp: string;

  private constructor(
    private readonly npyPath: string,
    private readonly indexPath: string,
    private readonly d: number,
    private readonly rowsFile: FileHandle,
    private readonly indexFile: FileHandle,
    paths: { rowsTmp: string; indexTmp: string },
  ) {
    this.rowsTmp = paths.rowsTmp;
    this.indexTmp = paths.indexTmp;
  }

  static async open(npyPath: string, indexPath: string, d: number, header: string): Promise<EmbeddingSpool> {
    const rowsTmp = temporaryPathFor(`${npyPath}.rows`);
    const indexTmp = temporaryPathFor(indexPath);
    const rowsFile = await open(rowsTmp, 'wx');
    const indexFile = await open(indexTmp, 'wx').catch(async (error: unknown) => {
      await rowsFile.close();
      await rm(rowsTmp, { force: true });
      throw error;
    });
    await indexFile.write(`${header}\n`);
    return new EmbeddingSpool(npyPath, indexPath, d, rowsFile, indexFile, { rowsTmp, indexTmp });
  }

  /** Appends one row (d float32 values) and its index line (without the row number, which is added first). */
  async add(vector: Float32Array, indexFields: readonly string[]): Promise<void> {
    if (vector.length !== this.d) throw new RangeError(`an embedding of ${vector.length} values, expected ${this.d}`);
    await this.rowsFile.write(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
    await this.indexFile.write(`${[String(this.rows), ...indexFields].join('\t')}\n`);
    this.rows++;
  }

  async finish(): Promise<void> {
    await this.rowsFile.close();
    await this.indexFile.sync();
    await this.indexFile.close();
    const writer = await createNpyRowWriter(this.npyPath, 'float32', [this.rows, this.d]);
    try {
      const input = await open(this.rowsTmp, 'r');
      try {
        const buffer = new Float32Array(COPY_ROWS * this.d);
        const bytes = new Uint8Array(buffer.buffer);
        for (let done = 0; done < this.rows;) {
          const rows = Math.min(COPY_ROWS, this.rows - done);
          const { bytesRead } = await input.read(bytes, 0, rows * this.d * 4, done * this.d * 4);
          if (bytesRead !== rows * this.d * 4) throw new Error(`${this.rowsTmp}: short read`);
          await writer.write(buffer.subarray(0, rows * this.d));
          done += rows;
        }
      } finally {
        await input.close();
      }
      await writer.close();
    } catch (error) {
      await writer.abort();
      await this.removeTemporaries();
      throw error;
    }
    await rename(this.indexTmp, this.indexPath);
    await rm(this.rowsTmp, { force: true });
  }

  async abort(): Promise<void> {
    await this.rowsFile.close().catch(() => undefined);
    await this.indexFile.close().catch(() => undefined);
    await this.removeTemporaries();
  }

  private async removeTemporaries(): Promise<void> {
    await rm(this.rowsTmp, { force: true });
    await rm(this.indexTmp, { force: true });
  }
}
