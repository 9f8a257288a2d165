export { processOrFail, runInMemory, type InMemoryRunOptions } from './in-memory.runner';
export { asError, isRetriable, type StageRule } from './stage-rule';
