import { errorMessage } from '@audio-concepts/shared-errors';
import type { StreamPosition } from './stream.registry';

/**
 * Where each stream's position is kept durably, so that a restarted ingest (or another replica) goes on with a
 * stream's window numbers instead of starting at 0 again. The service writes a stream's next position before it
 * publishes each window: the durable position is never behind a published window.
 */
export interface StreamPositionLog {
  /** `true` when positions can be read and written now, else why not. */
  readiness(): true | string;
  /** Resolves once every position written so far (by any replica) is known; before a feed takes its stream. */
  catchUp(): Promise<void>;
  /** Records `position` as where `streamId` goes on; resolves once it is durable (a `WindowPublishError` else). */
  save(streamId: string, position: StreamPosition): Promise<void>;
}

/** The record of one stream on the positions topic (key = stream id), as JSON. */
export interface PositionRecord {
  stream: string;
  next_seq: number;
  next_start_ms: number;
  /** when it was written, ISO 8601 */
  updated_at: string;
  /** the ingest instance that wrote it (INSTANCE_ID, else host and process id) */
  instance: string;
}

export function positionRecord(streamId: string, position: StreamPosition, instance: string, at: Date): PositionRecord {
  return {
    stream: streamId,
    next_seq: position.nextSeq,
    next_start_ms: position.nextStartMs,
    updated_at: at.toISOString(),
    instance,
  };
}

/** The record in `value`, or a one-line reason it is not one. */
export function parsePositionRecord(value: Buffer): PositionRecord | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return `not JSON (${errorMessage(error)})`;
  }
  const record = parsed as Partial<PositionRecord> | null;
  for (const field of ['next_seq', 'next_start_ms'] as const) {
    const number = record?.[field];
    if (!Number.isSafeInteger(number) || (number as number) < 0) return `${field} is not a non-negative integer`;
  }
  return record as PositionRecord;
}
