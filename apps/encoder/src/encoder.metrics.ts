import { Counter, Histogram, type Registry } from 'prom-client';

/** Metric names of the encoder's model work (the Kafka stage adds audio_concepts_encoder_messages_total, …). */
export const ENCODER_METRICS = {
  windowsEncoded: 'audio_concepts_encoder_windows_encoded_total',
  encodeDuration: 'audio_concepts_encoder_encode_duration_seconds',
} as const;

export class EncoderMetrics {
  readonly windowsEncoded: Counter;
  readonly encodeDuration: Histogram;

  constructor(registry: Registry) {
    this.windowsEncoded = new Counter({
      name: ENCODER_METRICS.windowsEncoded,
      help: 'Windows turned into embeddings by the model',
      registers: [registry],
    });
    this.encodeDuration = new Histogram({
      name: ENCODER_METRICS.encodeDuration,
      help: 'Seconds of one encodeAudio call (a micro-batch of windows)',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  /** One model call: `windows` encoded in `seconds`. */
  observeEncode(windows: number, seconds: number): void {
    this.windowsEncoded.inc(windows);
    this.encodeDuration.observe(seconds);
  }
}
