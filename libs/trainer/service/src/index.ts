export { parseHeadJobRequest, type HeadJobRequest } from './head-job.request';
export {
  HeadJobs,
  headJobJson,
  UnknownHeadJobError,
  type HeadJob,
  type HeadJobsOptions,
  type HeadJobStatus,
} from './head-jobs';
export { activationKey, headKey, KafkaHeadPublisher, type HeadPublisher } from './head-publisher';
export { TRAINER_METRICS, TrainerMetrics } from './trainer.metrics';
export {
  readHeadTrainingArrays,
  trainHeadOnOrt,
  type HeadTrainingArrays,
  type HeadTrainingFiles,
} from './head-training';
