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

const TIMED_OUT = Symbol('timed out');

/**
 * Groups `inputs` into batches of up to `maxBatch`, as the Kafka runner's micro-batches: a batch starts with the
 * next input and takes what follows until it is full, the inputs end, or `maxWaitMs` pass without it filling.
 * An input still being awaited when a batch is handed out is kept for the next one, never lost.
 */
export async function* microBatches<In>(
  inputs: AsyncIterable<In> | Iterable<In>,
  options: MicroBatchOptions,
): AsyncGenerator<In[]> {
  const iterator = Symbol.asyncIterator in inputs ? inputs[Symbol.asyncIterator]() : toAsync(inputs);
  let pending: Promise<IteratorResult<In>> | undefined;
  const next = () => (pending ??= iterator.next());
  let ended = false;
  try {
    while (!ended) {
      const first = await next();
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      const deadline = performance.now() + options.maxWaitMs;
      while (batch.length < options.maxBatch) {
        const result = await withDeadline(next(), deadline);
        if (result === TIMED_OUT) break;
        pending = undefined;
        if (result.done) {
          ended = true;
          break;
        }
        batch.push(result.value);
      }
      yield batch;
    }
  } finally {
    // Stopped early (the consumer broke off): let the source close its file or process (after the input in
    // flight, if any: an async generator queues it behind that).
    if (!ended) {
      const closing = iterator.return?.();
      if (pending === undefined) await closing;
      else void closing?.catch(() => undefined);
    }
  }
}

async function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | typeof TIMED_OUT> {
  if (deadline === Infinity) return promise;
  const ms = deadline - performance.now();
  if (ms <= 0) return Promise.race([promise, Promise.resolve(TIMED_OUT)]);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function toAsync<In>(inputs: Iterable<In>): AsyncIterator<In> {
  const iterator = inputs[Symbol.iterator]();
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  };
}
