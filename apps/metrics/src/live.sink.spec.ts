import { describe, expect, it } from 'vitest';
import { LiveView } from '@audio-concepts/metrics-live';
import { DriftEvent, DriftEventKind } from '@audio-concepts/shared-contracts';
import { liveSink } from './live.sink';

describe('liveSink', () => {
  it("hands a DriftEvent to the live page with where the change began (stream, window), not the stream's own time as a clock", () => {
    const view = new LiveView({ now: () => 5_000_000 });
    liveSink(view).event(
      DriftEvent.fromPartial({
        streamGroup: 'street',
        kind: DriftEventKind.DRIFT_EVENT_KIND_ALARM,
        statistic: 7,
        threshold: 4,
        changeStreamId: 'street-1',
        changeWindowSeq: 42,
        changeStartMs: 420_000,
        changed: [{ label: 'tone', referenceRate: 0, currentRate: 0.11, q: 0.0004 }],
        signals: [{ name: 'cosine', referenceMean: 0.96, currentMean: 0.97, changed: false }],
        emittedAtMs: 4_999_000,
        alarmNumber: 1,
      }),
    );
    const [event] = view.snapshot().groups[0].events;
    expect(event).toMatchObject({
      kind: 'alarm',
      atMs: 4_999_000,
      changeStreamId: 'street-1',
      changeWindowSeq: 42,
      changed: [{ label: 'tone', currentRate: 0.11 }],
    });
    expect(event.changeStartMs).toBeUndefined();
  });
});
