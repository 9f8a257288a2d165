import { encodeMessage, MESSAGE_TYPES } from '@audio-concepts/platform-kafka';
import { HeadControl, type HeadActivation, type HeadVersion } from '@audio-concepts/shared-contracts';
import type { Kafka, Producer } from 'kafkajs';

/** Where the trainer announces heads and activations (control.heads.v1). */
export interface HeadPublisher {
  publishHead(version: HeadVersion): Promise<void>;
  publishActivation(activation: HeadActivation): Promise<void>;
}

/** The record keys of control.heads.v1 (compacted: the latest record per key is kept). */
export const headKey = (headId: string) => `head/${headId}`;
export const activationKey = (conceptSpaceId: string, group: string) => `live/${conceptSpaceId}/${group}`;

const TYPE = 'audio_concepts.v1.HeadControl';

/**
 * Publishes HeadControl records with an idempotent producer, acknowledged by all in-sync replicas: a head or an
 * activation is reported as published only once the broker has it.
 */
export class KafkaHeadPublisher implements HeadPublisher {
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {}

  async publishHead(version: HeadVersion): Promise<void> {
    await this.send(headKey(version.headId), HeadControl.fromPartial({ head: version }));
  }

  async publishActivation(activation: HeadActivation): Promise<void> {
    await this.send(
      activationKey(activation.conceptSpaceId, activation.streamGroup),
      HeadControl.fromPartial({ activation }),
    );
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async send(key: string, control: HeadControl): Promise<void> {
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      this.producer = producer;
    }
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key, value: encodeMessage(MESSAGE_TYPES[TYPE], control) }],
    });
  }
}
