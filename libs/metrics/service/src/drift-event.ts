import type { DriftUpdate } from '@audio-concepts/metrics-drift';
import { DriftEvent, DriftEventKind } from '@audio-concepts/shared-contracts';

/** The DriftEvent (audio.drift.v1) of a detector update that carries an alarm or a recovery. */
export function driftEventOf(
  update: DriftUpdate,
  context: { streamGroup: string; conceptSpaceId: string; falseAlarmsPerDay: number; emittedAtMs: number },
): DriftEvent | undefined {
  const event = update.event;
  if (!event) return undefined;
  return DriftEvent.fromPartial({
    streamGroup: context.streamGroup,
    kind: event.kind === 'alarm' ? DriftEventKind.DRIFT_EVENT_KIND_ALARM : DriftEventKind.DRIFT_EVENT_KIND_RECOVERY,
    conceptSpaceId: context.conceptSpaceId,
    statistic: update.statistic,
    threshold: update.threshold,
    falseAlarmsPerDay: context.falseAlarmsPerDay,
    frameIndex: update.frameIndex,
    changeFrameIndex: event.changeFrameIndex,
    changeStreamId: event.changeStreamId,
    changeWindowSeq: event.changeWindowSeq,
    changeStartMs: event.changeStartMs,
    changed: event.changed.map((c) => ({ ...c })),
    signals: event.signals.map((s) => ({ ...s })),
    emittedAtMs: context.emittedAtMs,
    alarmNumber: event.alarmNumber,
  });
}

export function driftEventKindName(kind: DriftEventKind): 'alarm' | 'recovery' {
  return kind === DriftEventKind.DRIFT_EVENT_KIND_ALARM ? 'alarm' : 'recovery';
}
