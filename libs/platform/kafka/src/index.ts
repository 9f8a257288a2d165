export { BatchStage, type BatchStageOptions, type StageLogger } from './batch-stage';
export { BrokerProbe, type PartitionLag } from './broker.probe';
export { GroupProgress, type GroupSample } from './group-progress';
export { DEAD_LETTER_HEADERS, deadLetterMessage, deadLetterTopicOf, type SourceMessage } from './dead-letter';
export { ProducedSeqs } from './dedupe';
export { createConsumer, uniqueGroupId, type ConsumerSettings } from './consumer.settings';
export {
  createKafka,
  DEFAULT_BROKERS,
  KAFKA_RETRIES,
  KafkaConfigError,
  kafkaRetry,
  kafkaSecurityFromEnv,
  kafkaSecurityProblems,
  MAX_MESSAGE_BYTES,
  SASL_MECHANISMS,
  type KafkaSecurity,
  type KafkaSettings,
} from './kafka.settings';
export { decodeMessage, encodeMessage, MESSAGE_TYPES, MessageDecodeError, type MessageType } from './message.codec';
export { MicroBatcher, type MicroBatcherOptions } from './micro-batcher';
export { messageBytes, sendInOrder, type OutgoingMessage } from './ordered-send';
export {
  BatchRedoError,
  boundText,
  describeError,
  DuplicateWindowError,
  isRetriable,
  MessageTooLargeError,
  StageStoppedError,
} from './stage.errors';
export {
  DELIVERIES,
  StageProducer,
  TRANSACTION_TIMEOUT_MS,
  transactionalIdOf,
  type ConsumedOffsets,
  type Delivery,
} from './stage.producer';
export { stageMetricNames, StageMetrics, type MessageOutcome } from './stage.metrics';
