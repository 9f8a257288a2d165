import { AudioConceptsError } from '@audio-concepts/shared-errors';
import { microBatches } from './micro-batches';
import { isRetriable, type StageRule } from './stage-rule';

export interface InMemoryRunOptions<In> {
  /** inputs per `process` call (the Kafka runner's micro-batch) */
  maxBatch: number;
  /** how long a batch waits to fill before it is processed as it is (see `microBatches`); default: until full */
  maxWaitMs?: number;
  /** an input the rule could not process: report it; the run goes on (the Kafka runner dead-letters it) */
  onError(input: In, error: Error, stage: string): void;
}

/**
 * Runs `rule` over `inputs` in one process: batches of up to `maxBatch` (the last may be smaller, and with `maxWaitMs`
 * any batch the inputs did not fill in time), outputs in input order as each batch completes. Per-item errors go to `onError` and the run goes on, as the Kafka runner sends them
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
  const batches = microBatches(inputs, { maxBatch: options.maxBatch, maxWaitMs: options.maxWaitMs ?? Infinity });
  for await (const batch of batches) yield* await processBatch(rule, batch, options);
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

export interface ProcessOptions {
  /** whether a whole-batch failure may succeed if the batch is redone: thrown on, not given to the inputs */
  isRetriable?: (error: unknown) => boolean;
  /** a whole batch failed for good: every one of its `inputs` gets `error` */
  onBatchFailure?: (error: Error, inputs: number) => void;
}

/**
 * `rule.process` with a whole-batch failure (or a wrong number of results) turned into every input's error, as
 * both runners need it; a retriable failure is thrown.
 */
export async function processOrFail<In, Out>(
  rule: StageRule<In, Out>,
  batch: readonly In[],
  options: ProcessOptions = {},
): Promise<Array<Out | Error>> {
  const everyInput = (error: Error) => {
    options.onBatchFailure?.(error, batch.length);
    return batch.map(() => error);
  };
  let results: Array<Out | Error>;
  try {
    results = await rule.process(batch);
  } catch (error) {
    if ((options.isRetriable ?? isRetriable)(error)) throw error;
    return everyInput(error instanceof Error ? error : new AudioConceptsError(String(error)));
  }
  if (!Array.isArray(results) || results.length !== batch.length)
    return everyInput(
      new AudioConceptsError(
        `${rule.name}: process() returned ${Array.isArray(results) ? results.length : typeof results} results for ` +
          `${batch.length} inputs; expected one per input`,
      ),
    );
  return results;
}
