import type { LiveView } from '@audio-concepts/metrics-live';
import type { WatchSink } from '@audio-concepts/metrics-service';
import { DriftEventKind } from '@audio-concepts/shared-contracts';

/** Injection token of the watcher's `WatchSink`. */
export const WATCH_SINK = Symbol('WATCH_SINK');

/** What the watcher sees, handed to the live page's view. */
export function liveSink(view: LiveView): WatchSink {
  return {
    frame: (f) =>
      view.addFrame({
        streamId: f.streamId,
        streamGroup: f.streamGroup,
        windowSeq: f.windowSeq,
        startMs: f.startMs,
        durationMs: f.durationMs,
        concepts: f.concepts,
        cosine: f.cosine,
        l0: f.l0,
        ...(f.fit !== undefined ? { fit: f.fit } : {}),
        seenAtMs: f.seenAtMs,
      }),
    drift: (streamGroup, status, falseAlarmsPerDay) =>
      view.setDrift({
        streamGroup,
        phase: status.phase,
        referenceFrames: status.referenceFrames,
        referenceTarget: status.referenceTarget,
        statistic: status.statistic,
        threshold: status.threshold,
        alarm: status.alarm,
        falseAlarmsPerDay,
      }),
    event: (e) =>
      view.addDriftEvent({
        streamGroup: e.streamGroup,
        kind: e.kind === DriftEventKind.DRIFT_EVENT_KIND_ALARM ? 'alarm' : 'recovery',
        atMs: e.emittedAtMs,
        statistic: e.statistic,
        threshold: e.threshold,
        changed: e.changed.map((c) => ({
          label: c.label,
          referenceRate: c.referenceRate,
          currentRate: c.currentRate,
          q: c.q,
        })),
        signals: e.signals.map((s) => ({
          name: s.name,
          referenceMean: s.referenceMean,
          currentMean: s.currentMean,
          changed: s.changed,
        })),
        // the DriftEvent's change_start_ms counts from its stream's start, not a clock time
        changeStreamId: e.changeStreamId,
        changeWindowSeq: e.changeWindowSeq,
      }),
  };
}
