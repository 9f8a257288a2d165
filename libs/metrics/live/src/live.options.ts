import type { LiveView } from './live.view';

export interface LiveModuleOptions {
  /** what the page shows; the app feeds it */
  view: LiveView;
  /** the bearer token of the page, its state and its events; undefined or empty: open to all (the app warns) */
  token: string | undefined;
  /** at most one update per this many ms to each page (default 250: 4 per second) */
  minIntervalMs?: number;
  /** a comment line to each page this often, so that proxies keep the stream open (default 15 s) */
  heartbeatMs?: number;
}

export const LIVE_OPTIONS = Symbol('LIVE_OPTIONS');
