import { gunzipSync, gzipSync } from 'node:zlib';
import type { WatcherSnapshot } from './watcher';

/** The metrics service's committed state: the watcher's snapshot and the input offsets it reflects. */
export interface MetricsState {
  watcher: WatcherSnapshot;
  /** per partition of the frames topic, the next offset to read */
  offsets: { partition: number; offset: string }[];
  savedAtMs: number;
  instance: string;
}

export const STATE_HEADERS = { 'content-type': 'application/json', 'content-encoding': 'gzip' };

export function encodeState(state: MetricsState): Buffer {
  return gzipSync(JSON.stringify(state));
}

/** The state in a record's value, or why it cannot be read. */
export function decodeState(value: Buffer): MetricsState | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(value).toString('utf8'));
  } catch (error) {
    return `not gzip-compressed JSON (${error instanceof Error ? error.message : String(error)})`;
  }
  const state = parsed as Partial<MetricsState>;
  if (
    typeof state !== 'object' ||
    state === null ||
    state.watcher?.version !== 1 ||
    typeof state.watcher.groups !== 'object' ||
    !Array.isArray(state.offsets)
  )
    return 'not a metrics state (version 1 with watcher.groups and offsets)';
  return state as MetricsState;
}
