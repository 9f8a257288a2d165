import { errorMessage } from '@audio-concepts/shared-errors';
import { openAudio } from '@audio-concepts/ingest-audio';
import { Backoff, type BackoffOptions, sleep } from '@audio-concepts/platform-retry';
import type { IngestLog } from './ingest.log';
import type { IngestMetrics } from './ingest.metrics';
import type { PullSource } from './pull-source.config';
import type { StreamIngestService } from './stream-ingest.service';

export interface PullSourceRunnerOptions {
  /** restart delays; default 1 s doubling to 30 s, with jitter */
  backoff?: BackoffOptions;
  ffmpegPath?: string;
  clock?: () => number;
}

/**
 * Reads the configured pull sources, each in a loop of its own: open it (`openAudio`: a URL through ffmpeg,
 * with its own reconnects, or a file), ingest it until it ends or fails, then wait and start again. The wait
 * grows from 1 s to 30 s while runs keep ending early, and starts at 1 s again after a run that lasted longer
 * than the longest wait. Each run goes on with the stream's sequence numbers. `stop` ends every run (the
 * tail window of each is published) and waits for them.
 */
export class PullSourceRunner {
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly service: StreamIngestService,
    private readonly metrics: IngestMetrics,
    private readonly sources: readonly PullSource[],
    private readonly log: IngestLog,
    private readonly options: PullSourceRunnerOptions = {},
  ) {
    metrics.sourcesConfigured.set(sources.length);
  }

  start(): void {
    if (this.loops.length > 0 || this.stopping.signal.aborted) return;
    this.loops = this.sources.map((source) => this.run(source));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops);
  }

  private async run(source: PullSource): Promise<void> {
    const signal = this.stopping.signal;
    const backoff = new Backoff(this.options.backoff);
    const clock = this.options.clock ?? Date.now;
    while (!signal.aborted) {
      const startedAt = clock();
      this.metrics.sourcesRunning.inc();
      try {
        const audio = await openAudio(source.input, { ffmpegPath: this.options.ffmpegPath });
        const summary = await this.service.ingest(source.stream, audio, { transport: 'pull', signal });
        this.log.log(
          `source ${source.stream} ended: ${summary.windows} windows (seq ${summary.firstSeq}–${summary.lastSeq}), ${summary.durationS.toFixed(1)} s of audio`,
        );
      } catch (error) {
        if (!signal.aborted) {
          this.metrics.sourceFailures.inc();
          this.log.warn(`source ${source.stream} failed: ${errorMessage(error)}`);
        }
      } finally {
        this.metrics.sourcesRunning.dec();
      }
      if (signal.aborted || !source.restart) break;
      if (clock() - startedAt >= backoff.maxMs) backoff.reset();
      const delayMs = backoff.next();
      this.log.log(`source ${source.stream}: restarting in ${(delayMs / 1000).toFixed(1)} s`);
      await sleep(delayMs, signal);
      if (!signal.aborted) this.metrics.sourceRestarts.inc();
    }
  }
}
