import type { DriftFrame, DriftReference } from '@audio-concepts/metrics-drift';
import type { ConceptFrame, DriftEvent } from '@audio-concepts/shared-contracts';
import { ConceptLabels } from './concept-labels';
import { driftEventKindName, driftEventOf } from './drift-event';
import { GroupDrift, type DriftSettings, type GroupDriftSnapshot, type GroupDriftStatus } from './group-drift';
import type { StreamGroups } from '@audio-concepts/shared-contracts';
import type { WatchMetrics } from './watch.metrics';

/** A frame as the watcher saw it, for the live page. */
export interface WatchedFrame extends DriftFrame {
  streamGroup: string;
  conceptSpaceId: string;
  seenAtMs: number;
}

/** Where the watcher reports besides Prometheus (the live page). */
export interface WatchSink {
  frame(frame: WatchedFrame): void;
  drift(streamGroup: string, status: GroupDriftStatus, falseAlarmsPerDay: number): void;
  event(event: DriftEvent): void;
}

export interface WatcherOptions {
  groups: StreamGroups;
  drift: DriftSettings;
  /** saved references by stream group */
  references?: ReadonlyMap<string, { reference: DriftReference; conceptSpaceId: string }>;
  /** concepts with a label of their own per group (the rest: other) */
  topConcepts: number;
  metrics: WatchMetrics;
  sink?: WatchSink;
  log?: (message: string) => void;
  now?: () => number;
}

/** The watcher's state as JSON (what a restarted service resumes from). */
export interface WatcherSnapshot {
  version: 1;
  groups: Record<string, GroupDriftSnapshot>;
}

/**
 * The metrics stage's rule: frame → stream group → Prometheus metrics, live page and the group's drift detector;
 * returns the DriftEvents to write. Pure apart from the metrics and the sink: the Kafka runner decides when the
 * state (snapshot) and the events are committed.
 */
export class Watcher {
  private readonly drifts = new Map<string, GroupDrift>();
  private readonly labels = new Map<string, ConceptLabels>();
  private readonly now: () => number;

  constructor(private readonly options: WatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  handle(frame: ConceptFrame, seenAtMs = this.now()): DriftEvent[] {
    const { metrics } = this.options;
    const streamGroup = this.options.groups.groupOf(frame.streamId);
    const driftFrame = driftFrameOf(frame);
    metrics.frames.inc({ stream_group: streamGroup });
    metrics.l0.observe({ stream_group: streamGroup }, frame.l0);
    metrics.cosine.observe({ stream_group: streamGroup }, frame.cosine);
    if (frame.fit !== undefined) metrics.fit.observe({ stream_group: streamGroup }, frame.fit);
    if (frame.ingestedAtMs > 0)
      metrics.latency.observe({ stream_group: streamGroup }, Math.max(0, seenAtMs - frame.ingestedAtMs) / 1000);
    const active = frame.concepts.filter((c) => c.weight > 0);
    const labels = this.labelsOf(streamGroup).labelsOf(active.map((c) => c.label));
    active.forEach((c, i) => {
      metrics.conceptActive.inc({ stream_group: streamGroup, concept: labels[i] });
      metrics.conceptWeight.inc({ stream_group: streamGroup, concept: labels[i] }, c.weight);
    });
    this.options.sink?.frame({ ...driftFrame, streamGroup, conceptSpaceId: frame.conceptSpaceId, seenAtMs });

    const drift = this.driftOf(streamGroup);
    if (drift.spaceId !== '' && drift.spaceId !== frame.conceptSpaceId)
      this.options.log?.(
        `stream group ${streamGroup}: frames of concept space ${frame.conceptSpaceId} after ${drift.spaceId}; ` +
          'its drift reference starts over',
      );
    const update = drift.push(driftFrame, frame.conceptSpaceId);
    this.report(streamGroup, drift);
    if (!update) return [];
    const event = driftEventOf(update, {
      streamGroup,
      conceptSpaceId: frame.conceptSpaceId,
      falseAlarmsPerDay: this.options.drift.falseAlarmsPerDay,
      emittedAtMs: this.now(),
    });
    if (!event) return [];
    metrics.driftEvents.inc({ kind: driftEventKindName(event.kind) });
    if (update.event?.kind === 'alarm') metrics.driftAlarms.inc({ stream_group: streamGroup });
    this.options.sink?.event(event);
    return [event];
  }

  snapshot(): WatcherSnapshot {
    const groups: Record<string, GroupDriftSnapshot> = {};
    for (const [name, drift] of this.drifts) groups[name] = drift.snapshot();
    return { version: 1, groups };
  }

  restore(snapshot: WatcherSnapshot): void {
    if (snapshot.version !== 1) throw new Error(`metrics state version ${String(snapshot.version)} is not 1`);
    for (const [name, state] of Object.entries(snapshot.groups)) {
      const drift = this.driftOf(name);
      drift.restore(state);
      this.report(name, drift);
    }
  }

  /** The drift status of every group seen so far. */
  statuses(): Map<string, GroupDriftStatus> {
    return new Map([...this.drifts].map(([name, drift]) => [name, drift.status()]));
  }

  private report(streamGroup: string, drift: GroupDrift): void {
    const { metrics } = this.options;
    const status = drift.status();
    const labels = { stream_group: streamGroup };
    metrics.driftReferenceFrames.set(labels, status.referenceFrames);
    metrics.driftAlarm.set(labels, status.alarm ? 1 : 0);
    if (status.statistic !== null) metrics.driftStatistic.set(labels, status.statistic);
    if (status.threshold !== null) metrics.driftThreshold.set(labels, status.threshold);
    if (status.referenceUpdatedMs !== null) metrics.driftReferenceUpdated.set(labels, status.referenceUpdatedMs / 1000);
    this.options.sink?.drift(streamGroup, status, this.options.drift.falseAlarmsPerDay);
  }

  private driftOf(streamGroup: string): GroupDrift {
    let drift = this.drifts.get(streamGroup);
    if (!drift) {
      drift = new GroupDrift(streamGroup, this.options.drift, this.options.references?.get(streamGroup), this.now);
      this.drifts.set(streamGroup, drift);
    }
    return drift;
  }

  private labelsOf(streamGroup: string): ConceptLabels {
    let labels = this.labels.get(streamGroup);
    if (!labels) {
      labels = new ConceptLabels(this.options.topConcepts);
      this.labels.set(streamGroup, labels);
    }
    return labels;
  }
}

export function driftFrameOf(frame: ConceptFrame): DriftFrame {
  return {
    streamId: frame.streamId,
    windowSeq: Number(frame.windowSeq),
    startMs: Number(frame.startMs),
    durationMs: frame.durationMs,
    concepts: frame.concepts.map((c) => ({ label: c.label, weight: c.weight })),
    cosine: frame.cosine,
    l0: frame.l0,
    ...(frame.fit !== undefined ? { fit: frame.fit } : {}),
  };
}
