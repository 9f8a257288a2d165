import type { AudioWindow } from '@audio-concepts/shared-contracts';
import { WindowPublishError } from './ingest.errors';
import type { WindowSink } from './window.sink';

/**
 * A `WindowSink` that keeps windows in an array, for unit tests of what uses one. `failFrom` makes the n-th
 * publish (0-based) and all later ones fail; `notReady` makes it report not ready.
 */
export class InMemoryWindowSink implements WindowSink {
  readonly windows: AudioWindow[] = [];
  failFrom = Infinity;
  notReady: string | undefined;
  private attempts = 0;

  async publish(window: AudioWindow): Promise<void> {
    const attempt = this.attempts++;
    await Promise.resolve();
    if (attempt >= this.failFrom) throw new WindowPublishError(`publishing window ${window.windowSeq} failed (test)`);
    this.windows.push(window);
  }

  readiness(): true | string {
    return this.notReady ?? true;
  }
}
