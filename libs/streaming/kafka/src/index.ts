export { createKafka, DEFAULT_BROKERS, MAX_MESSAGE_BYTES, type KafkaSettings } from './kafka.settings';
export { decodeMessage, encodeMessage, MESSAGE_TYPES, MessageDecodeError, type MessageType } from './message.codec';
