export interface AudioLimit {
  /** stop after this many samples (the last chunk is cut to fit) */
  maxSamples?: number;
  /** stop at once when aborted (Ctrl-C): the chunks read so far are all there is */
  signal?: AbortSignal;
}

const ABORTED = Symbol('aborted');

/**
 * `chunks` as if the input ended at the limit: after `maxSamples` samples, or when `signal` aborts. The chunk being
 * read when the signal aborts is given up (a live read can block for as long as the source is silent); the source
 * is told to stop (its ffmpeg killed, its file closed) without being waited for, and a failure it reports while
 * stopping (ffmpeg interrupted by the same Ctrl-C) is not the run's.
 */
export async function* limitAudio(
  chunks: AsyncIterable<Float32Array>,
  limit: AudioLimit,
): AsyncGenerator<Float32Array> {
  const { maxSamples = Infinity, signal } = limit;
  if (signal?.aborted || maxSamples <= 0) return;
  const iterator = chunks[Symbol.asyncIterator]();
  // removed in `finally`: a run over many inputs shares one signal, and each input's listener would stay otherwise
  let onAbort: (() => void) | undefined;
  const aborted = signal
    ? new Promise<typeof ABORTED>((resolve) => {
        onAbort = () => resolve(ABORTED);
        signal.addEventListener('abort', onAbort, { once: true });
      })
    : undefined;
  let samples = 0;
  let finished = false;
  let pending: Promise<IteratorResult<Float32Array>> | undefined;
  try {
    for (;;) {
      pending = iterator.next();
      const result = aborted ? await Promise.race([pending, aborted]) : await pending;
      if (result === ABORTED) return;
      pending = undefined;
      if (result.done) {
        finished = true;
        return;
      }
      const chunk = result.value;
      if (samples + chunk.length >= maxSamples) {
        yield chunk.subarray(0, maxSamples - samples);
        return;
      }
      samples += chunk.length;
      yield chunk;
    }
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (!finished) stop(iterator, pending);
  }
}

function stop(iterator: AsyncIterator<Float32Array>, pending: Promise<unknown> | undefined): void {
  pending?.catch(() => undefined);
  void Promise.resolve(iterator.return?.()).catch(() => undefined);
}
