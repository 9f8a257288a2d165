import { InvalidInputError } from '@audio-concepts/shared-errors';
import { StreamBusyError, StreamPositionConflictError } from './ingest.errors';

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

/**
 * Which streams are being fed, and where each stream goes on. A stream id may be fed by one upload or live
 * stream at a time (`StreamBusyError` otherwise); the next feed of the same id continues its sequence numbers
 * and timeline. The positions are learnt from the durable log (`KafkaStreamPositions`, which feeds `learn`) and
 * from the feeds of this process; a position only ever moves forward. A client may start a feed further on
 * (`?seq_start=`, `?start_ms=`), never at a sequence number the stream has already used
 * (`StreamPositionConflictError`: downstream would drop those windows as duplicates). Every known stream is kept
 * (about 150 bytes each): forgetting one would start it at 0 again.
 */
export class StreamRegistry {
  private readonly positions = new Map<string, StreamPosition>();
  private readonly active = new Set<string>();

  /** Number of streams being fed now. */
  get activeCount(): number {
    return this.active.size;
  }

  /** Number of streams whose position is known. */
  get knownCount(): number {
    return this.positions.size;
  }

  isActive(streamId: string): boolean {
    return this.active.has(streamId);
  }

  /** Where `streamId` goes on, if it has been fed. */
  positionOf(streamId: string): StreamPosition | undefined {
    const known = this.positions.get(streamId);
    return known && { ...known };
  }

  /** Takes `streamId`, starting where it stopped last time, or further on where `override` says. */
  acquire(streamId: string, override: Partial<StreamPosition> = {}): StreamLease {
    for (const [name, value] of Object.entries(override)) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0 || value > MAX_FEED_POSITION)) {
        throw new InvalidInputError(`${name} must be an integer in [0, ${MAX_FEED_POSITION}], got ${value}`);
      }
    }
    if (this.active.has(streamId)) throw new StreamBusyError(streamId);
    const known = this.positions.get(streamId) ?? { nextSeq: 0, nextStartMs: 0 };
    if (override.nextSeq !== undefined && override.nextSeq < known.nextSeq) {
      throw new StreamPositionConflictError(streamId, known.nextSeq);
    }
    this.active.add(streamId);
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
        this.learn(streamId, end);
      },
    };
  }

  /** Takes `position` for `streamId` if it is further on than the one known (the later wins a tie of numbers). */
  learn(streamId: string, position: StreamPosition): void {
    const known = this.positions.get(streamId);
    if (
      known &&
      (known.nextSeq > position.nextSeq ||
        (known.nextSeq === position.nextSeq && known.nextStartMs > position.nextStartMs))
    )
      return;
    this.positions.set(streamId, { nextSeq: position.nextSeq, nextStartMs: position.nextStartMs });
  }

  /** Forgets an idle stream (its record was deleted from the log): it starts at 0 again. */
  forget(streamId: string): void {
    if (!this.active.has(streamId)) this.positions.delete(streamId);
  }
}
