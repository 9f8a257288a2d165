import { InvalidInputError } from '@audio-concepts/shared-errors';
import { StreamBusyError } from './ingest.errors';

/** Where a stream goes on: the next window's sequence number and start time on the stream's timeline. */
export interface StreamPosition {
  nextSeq: number;
  nextStartMs: number;
}

/**
 * The largest `seq_start` or `start_ms` a client may give: 2^53 − 2^32. Numbers above 2^53 cannot be told apart
 * as doubles (window 2^53 + 1 would be published as 2^53 again); the headroom leaves a stream 2^32 windows
 * (1361 years of 10 s windows) before it gets there.
 */
export const MAX_FEED_POSITION = Number.MAX_SAFE_INTEGER - 2 ** 32;

/** The right to feed one stream, held by one upload or live stream at a time. */
export interface StreamLease {
  readonly streamId: string;
  /** Where this feed starts. */
  readonly start: StreamPosition;
  /** Gives the stream back, remembering where the next feed goes on. Later calls do nothing. */
  release(end: StreamPosition): void;
}

const DEFAULT_REMEMBERED = 100_000;

/**
 * Which streams are being fed, and where each stream goes on. A stream id may be fed by one upload or live
 * stream at a time (`StreamBusyError` otherwise); the next feed of the same id continues its sequence numbers
 * and timeline. Positions live in memory only: a restarted ingest starts every stream at 0 again unless the
 * client says where to go on (`?seq_start=`, `?start_ms=`). The `maxRemembered` least recently fed idle
 * streams are kept; older ones are forgotten (and start at 0 again).
 */
export class StreamRegistry {
  private readonly positions = new Map<string, StreamPosition>();
  private readonly active = new Set<string>();

  constructor(private readonly maxRemembered = DEFAULT_REMEMBERED) {}

  /** Number of streams being fed now. */
  get activeCount(): number {
    return this.active.size;
  }

  /** Takes `streamId`, starting where it stopped last time, or at what `override` says. */
  acquire(streamId: string, override: Partial<StreamPosition> = {}): StreamLease {
    for (const [name, value] of Object.entries(override)) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0 || value > MAX_FEED_POSITION)) {
        throw new InvalidInputError(`${name} must be an integer in [0, ${MAX_FEED_POSITION}], got ${value}`);
      }
    }
    if (this.active.has(streamId)) throw new StreamBusyError(streamId);
    this.active.add(streamId);
    const known = this.positions.get(streamId) ?? { nextSeq: 0, nextStartMs: 0 };
    const start: StreamPosition = {
      nextSeq: override.nextSeq ?? known.nextSeq,
      nextStartMs: override.nextStartMs ?? known.nextStartMs,
    };
    let released = false;
    return {
      streamId,
      start,
      release: (end) => {
        if (released) return;
        released = true;
        this.active.delete(streamId);
        this.remember(streamId, end);
      },
    };
  }

  private remember(streamId: string, position: StreamPosition): void {
    // Re-inserting moves the id to the end of the map's order: the first entries are the least recently fed.
    this.positions.delete(streamId);
    this.positions.set(streamId, { ...position });
    for (const id of this.positions.keys()) {
      if (this.positions.size <= this.maxRemembered) break;
      if (!this.active.has(id)) this.positions.delete(id);
    }
  }
}
