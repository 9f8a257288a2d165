import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  IngestProducer,
  KafkaReachability,
  KafkaStreamPositions,
  KafkaWindowSink,
  PullSourceRunner,
} from '@audio-concepts/ingest-stream';
import { Readiness } from '@audio-concepts/platform-runtime';
import { IngestWebSocket } from './ingest.websocket';

/**
 * Starts and stops what runs besides the HTTP routes. Start: connect the producer and probe the broker
 * (readiness `kafka`), load the stream positions (readiness `positions`), then start the pull sources.
 * Shutdown: stop the pull sources and live streams first (their tails are published), let Nest close the HTTP
 * server (in-flight uploads finish), then stop reading positions and disconnect the producer.
 */
@Injectable()
export class IngestLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(KafkaWindowSink) private readonly sink: KafkaWindowSink,
    @Inject(IngestProducer) private readonly producer: IngestProducer,
    @Inject(KafkaReachability) private readonly reachability: KafkaReachability,
    @Inject(KafkaStreamPositions) private readonly positions: KafkaStreamPositions,
    @Inject(PullSourceRunner) private readonly sources: PullSourceRunner,
    @Inject(IngestWebSocket) private readonly webSocket: IngestWebSocket,
    @Inject(Readiness) private readonly readiness: Readiness,
  ) {}

  onApplicationBootstrap(): void {
    this.readiness.add('kafka', () => this.sink.readiness());
    this.readiness.add('positions', () => this.positions.readiness());
    this.reachability.start();
    void Promise.all([this.producer.start(), this.positions.start()]).then(() => this.sources.start());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.sources.stop(), this.webSocket.close()]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.positions.stop();
    await Promise.all([this.producer.stop(), this.reachability.stop()]);
  }
}
