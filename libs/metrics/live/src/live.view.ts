import { InvalidInputError } from '@audio-concepts/shared-errors';
import { ConceptTimeline } from './concept-timeline';
import { DriftHistory } from './drift-history';
import { checkDrift, checkDriftEvent, checkFrame } from './live.input';
import type {
  LiveDrift,
  LiveDriftEvent,
  LiveFrame,
  LiveGroupSnapshot,
  LiveSnapshot,
  LiveStreamSnapshot,
} from './live.types';

export interface LiveViewOptions {
  /** the period the timeline and the drift history cover (default 1 h) */
  historyMs?: number;
  /** the timeline's bucket (default 1 min) */
  bucketMs?: number;
  /** streams kept (default 500); beyond it the least recently seen stream is dropped and counted */
  maxStreams?: number;
  /** concepts a group's timeline shows, besides `other` (default 12) */
  maxConceptsPerGroup?: number;
  /** groups kept (default 64; groups come from METRICS_GROUPS, so this is a guard) */
  maxGroups?: number;
  /** concepts kept of each stream's last frame, heaviest first (default 8) */
  conceptsPerStream?: number;
  /** drift events kept per group (default 10) */
  eventsPerGroup?: number;
  /** points of each group's drift statistic history (default 360: one per 10 s over an hour) */
  driftPoints?: number;
  /** the clock (Unix ms); default Date.now */
  now?: () => number;
}

const DEFAULT_OPTIONS = {
  historyMs: 3_600_000,
  bucketMs: 60_000,
  maxStreams: 500,
  maxConceptsPerGroup: 12,
  maxGroups: 64,
  conceptsPerStream: 8,
  eventsPerGroup: 10,
  driftPoints: 360,
} as const;

/** A bucket tracks this many times the concepts a group shows, so that the hour's top concepts are rarely cut. */
const TRACKED_PER_SHOWN = 8;
/** Changed concepts kept of each drift event. */
const CHANGED_PER_EVENT = 10;

interface StreamState {
  last: LiveStreamSnapshot;
}

interface GroupState {
  frames: number;
  lastSeenAtMs: number | null;
  drift: LiveDrift | null;
  history: DriftHistory;
  events: LiveDriftEvent[];
  timeline: ConceptTimeline;
}

/**
 * What the live page shows, kept in bounded memory: each stream's last frame, and per stream group its frame count,
 * drift detector state, drift statistic history, last drift events and concept timeline. The timeline is bucketed
 * by `seenAtMs` (when the metrics service saw the frame), not by the window's `startMs`, which counts from its
 * stream's start and is no clock time. Listeners hear of every change; `snapshot()` is what the page gets.
 */
export class LiveView {
  private readonly options: Required<Omit<LiveViewOptions, 'now'>>;
  private readonly now: () => number;
  private readonly streams = new Map<string, StreamState>();
  private readonly groups = new Map<string, GroupState>();
  private readonly listeners = new Set<() => void>();
  private evictedStreams = 0;
  private evictedGroups = 0;

  constructor(options: LiveViewOptions = {}) {
    const { now, ...rest } = options;
    this.options = { ...DEFAULT_OPTIONS, ...withoutUndefined(rest) };
    checkOptions(this.options);
    this.now = now ?? Date.now;
  }

  addFrame(frame: LiveFrame): void {
    checkFrame(frame);
    const group = this.group(frame.streamGroup);
    group.frames++;
    group.lastSeenAtMs = Math.max(group.lastSeenAtMs ?? -Infinity, frame.seenAtMs);
    group.timeline.add(frame.seenAtMs, frame.concepts, this.now());
    const previous = this.streams.get(frame.streamId);
    this.streams.delete(frame.streamId); // re-inserted last: the map's order is least recently seen first
    this.streams.set(frame.streamId, { last: this.streamSnapshot(frame, (previous?.last.frames ?? 0) + 1) });
    while (this.streams.size > this.options.maxStreams) {
      this.streams.delete(this.streams.keys().next().value as string);
      this.evictedStreams++;
    }
    this.changed();
  }

  setDrift(drift: LiveDrift): void {
    checkDrift(drift);
    const group = this.group(drift.streamGroup);
    group.drift = { ...drift };
    if (drift.statistic !== null) group.history.add(this.now(), drift.statistic, drift.threshold, drift.alarm);
    this.changed();
  }

  addDriftEvent(event: LiveDriftEvent): void {
    checkDriftEvent(event);
    const group = this.group(event.streamGroup);
    group.events.unshift({
      ...event,
      changed: event.changed.slice(0, CHANGED_PER_EVENT).map((c) => ({ ...c })),
      signals: event.signals.map((s) => ({ ...s })),
    });
    group.events.length = Math.min(group.events.length, this.options.eventsPerGroup);
    this.changed();
  }

  /** Hears of every change (a frame, a drift update, a drift event); returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  snapshot(): LiveSnapshot {
    const now = this.now();
    const streams = [...this.streams.values()]
      .map((s) => ({ ...s.last, concepts: s.last.concepts.map((c) => ({ ...c })) }))
      .sort((a, b) => compare(a.streamGroup, b.streamGroup) || compare(a.streamId, b.streamId));
    const streamsPerGroup = new Map<string, number>();
    for (const s of streams) streamsPerGroup.set(s.streamGroup, (streamsPerGroup.get(s.streamGroup) ?? 0) + 1);
    const groups: LiveGroupSnapshot[] = [...this.groups.entries()]
      .sort((a, b) => compare(a[0], b[0]))
      .map(([name, g]) => ({
        streamGroup: name,
        frames: g.frames,
        streams: streamsPerGroup.get(name) ?? 0,
        lastSeenAtMs: g.lastSeenAtMs,
        drift: g.drift && { ...g.drift },
        driftHistory: g.history.view(now),
        events: g.events.map((e) => structuredClone(e)),
        timeline: g.timeline.view(now, this.options.maxConceptsPerGroup),
      }));
    return {
      generatedAtMs: now,
      historyMs: this.options.historyMs,
      bucketMs: this.options.bucketMs,
      groups,
      streams,
      evictedStreams: this.evictedStreams,
      evictedGroups: this.evictedGroups,
    };
  }

  private group(name: string): GroupState {
    const existing = this.groups.get(name);
    if (existing !== undefined) {
      this.groups.delete(name); // re-inserted last: least recently updated first
      this.groups.set(name, existing);
      return existing;
    }
    const { historyMs, bucketMs, driftPoints, maxConceptsPerGroup } = this.options;
    const created: GroupState = {
      frames: 0,
      lastSeenAtMs: null,
      drift: null,
      history: new DriftHistory(historyMs, driftPoints),
      events: [],
      timeline: new ConceptTimeline(bucketMs, Math.ceil(historyMs / bucketMs), maxConceptsPerGroup * TRACKED_PER_SHOWN),
    };
    this.groups.set(name, created);
    while (this.groups.size > this.options.maxGroups) {
      this.groups.delete(this.groups.keys().next().value as string);
      this.evictedGroups++;
    }
    return created;
  }

  private streamSnapshot(frame: LiveFrame, frames: number): LiveStreamSnapshot {
    const concepts = frame.concepts
      .filter((c) => c.weight > 0)
      .sort((a, b) => b.weight - a.weight)
      .slice(0, this.options.conceptsPerStream)
      .map(({ label, weight }) => ({ label, weight }));
    return {
      streamId: frame.streamId,
      streamGroup: frame.streamGroup,
      windowSeq: frame.windowSeq,
      startMs: frame.startMs,
      durationMs: frame.durationMs,
      seenAtMs: frame.seenAtMs,
      cosine: frame.cosine,
      l0: frame.l0,
      ...(frame.fit === undefined ? {} : { fit: frame.fit }),
      frames,
      concepts,
    };
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function checkOptions(options: Required<Omit<LiveViewOptions, 'now'>>): void {
  for (const [key, value] of Object.entries(options))
    if (!Number.isInteger(value) || value <= 0)
      throw new InvalidInputError(`LiveView option ${key} must be a positive integer, got ${String(value)}`);
  if (options.historyMs < options.bucketMs)
    throw new InvalidInputError(
      `LiveView option historyMs (${options.historyMs}) must be at least bucketMs (${options.bucketMs})`,
    );
  const buckets = Math.ceil(options.historyMs / options.bucketMs);
  if (buckets > 1440)
    throw new InvalidInputError(`LiveView: historyMs / bucketMs gives ${buckets} buckets (at most 1440)`);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
