import { AudioConceptsError } from '@audio-concepts/shared-errors';
import { asError, isRetriable, type StageRule } from './stage-rule';

export interface InMemoryRunOptions<In> {
  /** inputs per `process` call (the Kafka runner's micro-batch) */
  maxBatch: number;
  /** an input the rule could not process: report it; the run goes on (the Kafka runner dead-letters it) */
  onError(input: In, error: Error, stage: string): void;
}

/**
 * Runs `rule` over `inputs` in one process: batches of up to `maxBatch` (the last may be smaller), outputs in input
 * order as each batch completes. Per-item errors go to `onError` and the run goes on, as the Kafka runner sends them
 * to the dead-letter topic; a whole-batch failure that is not retriable becomes every input's error, as there. A
 * retriable one is thrown: in memory there is no partition to redo the batch from.
 */
export async function* runInMemory<In, Out>(
  rule: StageRule<In, Out>,
  inputs: AsyncIterable<In> | Iterable<In>,
  options: InMemoryRunOptions<In>,
): AsyncIterable<Out> {
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1)
    throw new AudioConceptsError(`${rule.name}: maxBatch must be a positive integer, got ${options.maxBatch}`);
  let batch: In[] = [];
  for await (const input of inputs) {
    batch.push(input);
    if (batch.length >= options.maxBatch) {
      yield* await processBatch(rule, batch, options);
      batch = [];
    }
  }
  if (batch.length > 0) yield* await processBatch(rule, batch, options);
}

async function processBatch<In, Out>(
  rule: StageRule<In, Out>,
  batch: In[],
  options: InMemoryRunOptions<In>,
): Promise<Out[]> {
  const results = await processOrFail(rule, batch);
  const outputs: Out[] = [];
  batch.forEach((input, i) => {
    const result = results[i];
    if (result instanceof Error) options.onError(input, result, rule.name);
    else outputs.push(result);
  });
  return outputs;
}

/** `rule.process` with a whole-batch failure (or a wrong result count) turned into every input's error. */
export async function processOrFail<In, Out>(
  rule: StageRule<In, Out>,
  batch: readonly In[],
): Promise<Array<Out | Error>> {
  let results: Array<Out | Error>;
  try {
    results = await rule.process(batch);
  } catch (error) {
    if (isRetriable(error)) throw error;
    return batch.map(() => asError(error));
  }
  if (!Array.isArray(results) || results.length !== batch.length) {
    const error = new AudioConceptsError(
      `${rule.name}: process() returned ${Array.isArray(results) ? results.length : typeof results} results for ` +
        `${batch.length} inputs; expected one per input`,
    );
    return batch.map(() => error);
  }
  return results;
}
