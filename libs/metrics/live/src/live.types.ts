/** A concept and its weight in a frame (the decomposition's non-zero entries). */
export interface LiveConcept {
  label: string;
  weight: number;
}

/** One concept frame as the metrics service saw it. */
export interface LiveFrame {
  streamId: string;
  streamGroup: string;
  windowSeq: number;
  /** the window's start within its stream (ms from the stream's start, not a clock time) */
  startMs: number;
  durationMs: number;
  concepts: LiveConcept[];
  cosine: number;
  l0: number;
  fit?: number;
  /** Unix time (ms) when the metrics service saw the frame: the timeline's clock */
  seenAtMs: number;
}

/** A stream group's drift detector as it stands now. */
export interface LiveDrift {
  streamGroup: string;
  /** collecting: the reference is being gathered (referenceFrames of referenceTarget); watching: the detector runs */
  phase: 'collecting' | 'watching';
  referenceFrames: number;
  referenceTarget: number;
  statistic: number | null;
  threshold: number | null;
  alarm: boolean;
  falseAlarmsPerDay: number;
}

/** A drift alarm or recovery of a stream group (the page's view of a DriftEvent). */
export interface LiveDriftEvent {
  streamGroup: string;
  kind: 'alarm' | 'recovery';
  atMs: number;
  statistic: number;
  threshold: number;
  changed: { label: string; referenceRate: number; currentRate: number; q: number }[];
  signals: { name: string; referenceMean: number; currentMean: number; changed: boolean }[];
  /** clock time (ms since the epoch) at which the change began, when known */
  changeStartMs?: number;
  /** the stream and window at which the change began (the detector's estimate) */
  changeStreamId?: string;
  changeWindowSeq?: number;
}

/** A stream's last frame (its top concepts only) and how many frames it has had. */
export interface LiveStreamSnapshot {
  streamId: string;
  streamGroup: string;
  windowSeq: number;
  startMs: number;
  durationMs: number;
  seenAtMs: number;
  cosine: number;
  l0: number;
  fit?: number;
  frames: number;
  concepts: LiveConcept[];
}

/** The drift statistic at one time (the largest in its slot of the history) and the threshold then. */
export interface LiveDriftPoint {
  atMs: number;
  statistic: number;
  threshold: number | null;
  alarm: boolean;
}

/**
 * Concept × time bucket of one group: for each bucket (oldest first) the frames seen in it and, per concept, the mean
 * weight per frame (0 where a frame lacks the concept; null where the bucket has no frames). `concepts` lists the
 * group's top concepts by mass over the period, then `other` (every other concept together) when it has any mass.
 */
export interface LiveTimeline {
  bucketStartsMs: number[];
  frames: number[];
  concepts: { label: string; meanWeights: (number | null)[] }[];
}

export interface LiveGroupSnapshot {
  streamGroup: string;
  /** frames seen since the view started */
  frames: number;
  /** streams of the group among those the view keeps */
  streams: number;
  lastSeenAtMs: number | null;
  drift: LiveDrift | null;
  driftHistory: LiveDriftPoint[];
  /** the last drift events, newest first */
  events: LiveDriftEvent[];
  timeline: LiveTimeline;
}

/** Everything the live page shows (`GET /live/state`, and each `/live/events` message). */
export interface LiveSnapshot {
  generatedAtMs: number;
  historyMs: number;
  bucketMs: number;
  groups: LiveGroupSnapshot[];
  streams: LiveStreamSnapshot[];
  /** streams and groups dropped (least recently seen first) to keep the view within its bounds */
  evictedStreams: number;
  evictedGroups: number;
}
