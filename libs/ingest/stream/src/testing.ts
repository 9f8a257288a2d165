import type { AudioWindow } from '@audio-concepts/shared-contracts';
import { WindowPublishError } from './ingest.errors';
import type { StreamPositionLog } from './stream.positions';
import type { StreamPosition } from './stream.registry';
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

/**
 * A `StreamPositionLog` that keeps what is saved in an array, for unit tests; `events` interleaves saves with the
 * windows of a sink that reports to it. `failFrom` makes the n-th save (0-based) and all later ones fail.
 */
export class InMemoryPositionLog implements StreamPositionLog {
  readonly saved: { streamId: string; position: StreamPosition }[] = [];
  failFrom = Infinity;
  notReady: string | undefined;
  catchUps = 0;

  readiness(): true | string {
    return this.notReady ?? true;
  }

  async catchUp(): Promise<void> {
    this.catchUps += 1;
  }

  async save(streamId: string, position: StreamPosition): Promise<void> {
    await Promise.resolve();
    if (this.saved.length >= this.failFrom)
      throw new WindowPublishError(`saving the position of ${streamId} failed (test)`);
    this.saved.push({ streamId, position: { ...position } });
  }
}
