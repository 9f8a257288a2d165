export interface MicroBatchOptions {
  /** at most this many inputs per batch */
  maxBatch: number;
  /**
   * How long a started batch waits for more inputs before it is handed out as it is: a file fills whole batches,
   * a live source (one window every 10 s) gets each window through at once instead of waiting for a full batch.
   * `Infinity`: batches are always full, but for the last.
   */
  maxWaitMs: number;
}

/**
 * Groups `inputs` into batches of up to `maxBatch`, as the Kafka runner's micro-batches: a batch takes the inputs
 * read so far and waits for more until it is full, the inputs end, or `maxWaitMs` have passed since its first input.
 * Inputs are read ahead, at most one batch's worth, while the consumer works on the previous batch: reading (decoding
 * the next windows, encoding the next embeddings) overlaps the work, and a batch rarely waits. An input source that
 * fails does so after the inputs it gave before. Stopping early stops the source.
 */
export async function* microBatches<In>(
  inputs: AsyncIterable<In> | Iterable<In>,
  options: MicroBatchOptions,
): AsyncGenerator<In[]> {
  const source = new ReadAhead(inputs, options.maxBatch);
  try {
    for (;;) {
      await source.waitFor(1, Infinity);
      if (source.buffered === 0) return source.end();
      await source.waitFor(options.maxBatch, performance.now() + options.maxWaitMs);
      yield source.take(options.maxBatch);
    }
  } finally {
    source.stop();
  }
}

/** Reads an async source ahead into a buffer of at most `limit` items. */
class ReadAhead<T> {
  private readonly buffer: T[] = [];
  private readonly iterator: AsyncIterator<T>;
  private finished = false;
  private failure: { error: unknown } | undefined;
  private stopped = false;
  private wakeReader: (() => void) | undefined;
  private wakePump: (() => void) | undefined;

  constructor(
    inputs: AsyncIterable<T> | Iterable<T>,
    private readonly limit: number,
  ) {
    this.iterator = Symbol.asyncIterator in inputs ? inputs[Symbol.asyncIterator]() : toAsync(inputs);
    void this.pump();
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Waits until `count` items are buffered, the source has ended or failed, or `deadline` (performance.now()). */
  async waitFor(count: number, deadline: number): Promise<void> {
    while (this.buffer.length < count && !this.finished && !this.failure) {
      const ms = deadline - performance.now();
      if (ms <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
        if (ms !== Infinity) timer = setTimeout(resolve, ms);
      });
      clearTimeout(timer);
    }
  }

  take(count: number): T[] {
    const items = this.buffer.splice(0, count);
    this.wakePump?.();
    return items;
  }

  /** Called with an empty buffer: the source has ended (return) or failed (throw). */
  end(): void {
    if (this.failure) throw this.failure.error;
  }

  stop(): void {
    this.stopped = true;
    this.wakePump?.();
  }

  private async pump(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.buffer.length >= this.limit) {
          await new Promise<void>((resolve) => (this.wakePump = resolve));
          continue;
        }
        const result = await this.iterator.next();
        if (result.done) {
          this.finished = true;
          return;
        }
        this.buffer.push(result.value);
        this.wakeReader?.();
      }
      // Stopped early by the consumer: let the source close its file or kill its process.
      await this.iterator.return?.();
    } catch (error) {
      this.failure = { error };
    } finally {
      this.wakeReader?.();
    }
  }
}

function toAsync<T>(inputs: Iterable<T>): AsyncIterator<T> {
  const iterator = inputs[Symbol.iterator]();
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  };
}
