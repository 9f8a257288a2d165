import { Transform, type TransformCallback } from 'node:stream';
import { PayloadTooLargeError } from './ingest.errors';

/**
 * Passes an upload body through, counting bytes. Once more than `limitBytes` came (or `stop` is called) it
 * records why in `error`, ends its output as if the body had ended and drops anything after that. It never
 * emits 'error' itself: it may stop before anyone reads it, and the reader learns of the stop from `error`.
 */
export class ByteLimit extends Transform {
  bytes = 0;
  error: Error | undefined;

  /** `observe` sees each chunk that comes (to watch the body without another reader), before the limit is checked. */
  constructor(
    readonly limitBytes: number,
    private readonly observe?: (chunk: Buffer) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.error) return callback();
    this.observe?.(chunk);
    this.bytes += chunk.length;
    if (this.bytes > this.limitBytes) {
      this.stop(new PayloadTooLargeError(this.limitBytes, this.bytes));
      return callback();
    }
    callback(null, chunk);
  }

  /** Ends the output early because of `error`; emits 'stopped' so that the source can be unpiped. */
  stop(error: Error): void {
    if (this.error) return;
    this.error = error;
    this.push(null);
    this.emit('stopped', error);
  }
}
