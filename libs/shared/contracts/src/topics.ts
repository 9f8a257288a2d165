/** Kafka topics of the pipeline (DESIGN §2), versioned with their message type; key = stream id. */
export const TOPICS = {
  /** AudioWindow */
  windows: 'audio.windows.v1',
  /** AudioEmbedding */
  embeddings: 'audio.embeddings.v1',
  /** ConceptFrame */
  concepts: 'audio.concepts.v1',
  /** HeadControl: trained heads (key head/<id>) and the live head per stream group (key live/<space>/<group>); compacted */
  heads: 'control.heads.v1',
  /** ingest's durable stream positions: compacted, JSON {next_seq, next_start_ms, updated_at, instance}; no DLQ */
  positions: 'audio.stream-positions.v1',
  /** DriftEvent (keyed by stream group): the metrics service's drift alarms and recoveries */
  drift: 'audio.drift.v1',
  /** the metrics service's state (references, detectors, offsets), compacted, keyed by its consumer group; no DLQ */
  metricsState: 'audio.metrics-state.v1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** The stages' default Kafka consumer groups (ENCODER_GROUP, DECOMPOSER_GROUP override them). */
export const CONSUMER_GROUPS = {
  /** reads TOPICS.windows */
  encoder: 'audio-concepts-encoder',
  /** reads TOPICS.embeddings */
  decomposer: 'audio-concepts-decomposer',
} as const;

/** The dead-letter topic of `topic`: poison messages land there with the error in headers. */
export function deadLetterTopic(topic: Topic): `${Topic}.dlq` {
  return `${topic}.dlq`;
}
