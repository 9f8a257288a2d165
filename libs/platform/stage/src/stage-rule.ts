/**
 * A stage's rule (DESIGN §2, "one stage code path, two runners"): a batch of input messages → one result per
 * input, in order: the output message, or an Error for that input alone. The same rule runs in memory (`tag`,
 * tests: `runInMemory`) and over Kafka (`BatchStage` in @audio-concepts/platform-kafka), with the same per-item
 * error behaviour: a failed item is reported (stderr / dead-letter topic) and the others go on.
 *
 * `process` throws only for a failure of the whole batch. A thrown error marked `retriable` (see `isRetriable`) may
 * succeed if the batch is redone; any other throw counts as every input's error.
 */
export interface StageRule<In, Out> {
  /** 'encoder' | 'decomposer': logs, metrics, the dead-letter header failed-stage */
  readonly name: string;
  process(inputs: readonly In[]): Promise<Array<Out | Error>>;
  /** the stream id: the output's key */
  keyOf(input: In): string;
  /** the window seq: with keyOf, the dedupe key */
  seqOf(input: In): number;
}

/** Whether redoing the operation may succeed: an error marked `retriable: true` (AudioConceptsError's flag). */
export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** Anything thrown, as an Error. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
