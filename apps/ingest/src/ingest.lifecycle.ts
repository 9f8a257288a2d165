import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { KafkaWindowSink, PullSourceRunner } from '@audio-concepts/ingest-stream';
import { Readiness } from '@audio-concepts/platform-runtime';
import { IngestWebSocket } from './ingest.websocket';

/**
 * Starts and stops what runs besides the HTTP routes. Start: connect the producer (readiness `kafka`), then
 * start the pull sources. Shutdown: stop the pull sources and live streams first (their tails are
 * published), let Nest close the HTTP server (in-flight uploads finish), then disconnect the producer.
 */
@Injectable()
export class IngestLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(KafkaWindowSink) private readonly sink: KafkaWindowSink,
    @Inject(PullSourceRunner) private readonly sources: PullSourceRunner,
    @Inject(IngestWebSocket) private readonly webSocket: IngestWebSocket,
    @Inject(Readiness) private readonly readiness: Readiness,
  ) {}

  onApplicationBootstrap(): void {
    this.readiness.add('kafka', () => this.sink.readiness());
    void this.sink.start().then(() => this.sources.start());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.sources.stop(), this.webSocket.close()]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sink.stop();
  }
}
