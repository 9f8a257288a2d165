interface Entry<T> {
  item: T;
  at: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface MicroBatcherOptions<T> {
  /** items per flush, at most */
  maxBatch: number;
  /** how long the oldest queued item may wait for the batch to fill */
  maxWaitMs: number;
  /** handles one batch; a rejection fails the promises of its items */
  flush(items: T[]): Promise<void>;
}

/**
 * Gathers items from concurrent callers (the consumer's partitions) into batches of at most `maxBatch`, flushed
 * when full or when the oldest item has waited `maxWaitMs`. One flush runs at a time and items are flushed in
 * the order they were added, so the items of one caller keep their order.
 */
export class MicroBatcher<T> {
  private readonly queue: Entry<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;
  private draining = false;

  constructor(private readonly options: MicroBatcherOptions<T>) {}

  /** Queues `items`; resolves once all of them have been flushed, rejects with the error of a failed flush. */
  add(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const at = Date.now();
    const done = items.map(
      (item) => new Promise<void>((resolve, reject) => this.queue.push({ item, at, resolve, reject })),
    );
    this.schedule();
    return Promise.all(done).then(() => undefined);
  }

  /** From now on, flush partial batches at once instead of waiting (stopping: finish what is queued). */
  drain(): void {
    this.draining = true;
    this.schedule();
  }

  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.flushing || this.queue.length === 0) return;
    const waited = Date.now() - this.queue[0].at;
    if (this.draining || this.queue.length >= this.options.maxBatch || waited >= this.options.maxWaitMs) {
      void this.flushNext();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, this.options.maxWaitMs - waited);
  }

  private async flushNext(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = true;
    const batch = this.queue.splice(0, this.options.maxBatch);
    try {
      await this.options.flush(batch.map((entry) => entry.item));
      for (const entry of batch) entry.resolve();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.flushing = false;
      this.schedule();
    }
  }
}
