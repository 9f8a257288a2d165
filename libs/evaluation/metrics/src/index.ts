export {
  BOOTSTRAP_DEFAULTS,
  bootstrapIntervals,
  countedMean,
  quantile,
  unitCounts,
  type BootstrapOptions,
  type CountedStatistic,
  type Interval,
} from './bootstrap';
export { accuracy, macroF1 } from './classification';
export { averagePrecision, MultilabelAveragePrecision } from './average-precision';
export {
  RETRIEVAL_DEFAULTS,
  averagePrecisionAtK,
  mergeRetrievalPerQuery,
  recallAtK,
  relevanceFromPairs,
  relevantPositions,
  retrievalIntervals,
  retrievalPerQuery,
  summarizeRetrieval,
  type PairRelevance,
  type RetrievalOptions,
  type RetrievalPerQuery,
  type RetrievalSummary,
} from './retrieval';
