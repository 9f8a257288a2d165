export { BatchStage, type BatchStageOptions, type StageLogger } from './batch-stage';
export { DEAD_LETTER_HEADERS, deadLetterMessage, deadLetterTopicOf, type SourceMessage } from './dead-letter';
export { ProducedSeqs } from './dedupe';
export { createConsumer, uniqueGroupId, type ConsumerSettings } from './consumer.settings';
export {
  createKafka,
  DEFAULT_BROKERS,
  KAFKA_RETRIES,
  kafkaRetry,
  MAX_MESSAGE_BYTES,
  type KafkaSettings,
} from './kafka.settings';
export { decodeMessage, encodeMessage, MESSAGE_TYPES, MessageDecodeError, type MessageType } from './message.codec';
export { MicroBatcher, type MicroBatcherOptions } from './micro-batcher';
export { messageBytes, sendInOrder, type OutgoingMessage } from './ordered-send';
export { describeError, isRetriable, MessageTooLargeError, StageStoppedError } from './stage.errors';
export { stageMetricNames, StageMetrics, type MessageOutcome } from './stage.metrics';
