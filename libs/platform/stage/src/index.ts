export { processOrFail, runInMemory, type InMemoryRunOptions, type ProcessOptions } from './in-memory.runner';
export { asError, isRetriable, type StageRule } from './stage-rule';
export { microBatches, type MicroBatchOptions } from './micro-batches';
