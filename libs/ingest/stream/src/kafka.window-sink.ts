import { AudioWindow } from '@audio-concepts/shared-contracts';
import { encodeMessage } from '@audio-concepts/platform-kafka';
import type { IngestProducer } from './ingest.producer';
import type { WindowSink } from './window.sink';

const HEADERS = { 'content-type': 'application/x-protobuf', 'message-type': 'audio_concepts.v1.AudioWindow' };

/** Anything that can say whether Kafka can be used now (`KafkaReachability`). */
export interface ReadinessSource {
  readiness(): true | string;
}

/**
 * Publishes windows to a Kafka topic through ingest's producer: key = stream id (one stream stays in one
 * partition, in order), value = the `AudioWindow` protobuf. One window is in flight per stream (the caller awaits
 * each). Ready when the producer is connected and the broker answers (`reachability`).
 */
export class KafkaWindowSink implements WindowSink {
  constructor(
    private readonly producer: IngestProducer,
    readonly topic: string,
    private readonly reachability?: ReadinessSource,
  ) {}

  readiness(): true | string {
    const producer = this.producer.readiness();
    return producer === true ? (this.reachability?.readiness() ?? true) : producer;
  }

  async publish(window: AudioWindow): Promise<void> {
    await this.producer.send(
      this.topic,
      [{ key: window.streamId, value: encodeMessage(AudioWindow, window), headers: HEADERS }],
      `window ${window.windowSeq} of stream ${window.streamId}`,
    );
  }
}
