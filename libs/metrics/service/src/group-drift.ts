import {
  OnlineDriftDetector,
  ReferenceBuilder,
  type DetectorSnapshot,
  type DriftFrame,
  type DriftReference,
  type DriftUpdate,
} from '@audio-concepts/metrics-drift';

/** How each stream group's drift detector is set up (METRICS_* settings). */
export interface DriftSettings {
  /** frames of a group collected as its reference before watching starts (without a saved reference) */
  referenceWindows: number;
  /** expected false alarms per day per group on data like the reference */
  falseAlarmsPerDay: number;
  /** half-life, in windows, of the detector's running means (undefined: the library's default) */
  halfLifeWindows?: number;
}

/** A group's drift state as JSON: the frames collected so far, or the detector (reference included). */
export type GroupDriftSnapshot =
  | { phase: 'collecting'; conceptSpaceId: string; frames: DriftFrame[] }
  | { phase: 'watching'; conceptSpaceId: string; referenceUpdatedMs: number; detector: DetectorSnapshot };

/** What the drift gauges and the live page show of a group. */
export interface GroupDriftStatus {
  phase: 'collecting' | 'watching';
  referenceFrames: number;
  referenceTarget: number;
  statistic: number | null;
  threshold: number | null;
  alarm: boolean;
  referenceUpdatedMs: number | null;
}

/**
 * One stream group's drift: collects the group's first `referenceWindows` frames (memory bounded by that), freezes
 * them into a reference calibrated for the false-alarm setting, then watches every later frame with the online
 * detector (memory O(vocabulary)). A saved reference skips the collecting. Frames of another concept space than the
 * reference's start the group over: its reference says nothing about them.
 */
export class GroupDrift {
  private collected: DriftFrame[] = [];
  private detector: OnlineDriftDetector | undefined;
  private referenceUpdatedMs: number | null = null;
  private conceptSpaceId = '';

  constructor(
    readonly group: string,
    private readonly settings: DriftSettings,
    /** a reference saved by `audio-concepts drift --save-reference`; conceptSpaceId '' fits any space */
    private readonly savedReference?: { reference: DriftReference; conceptSpaceId: string },
    private readonly now: () => number = Date.now,
  ) {
    this.reset(savedReference?.conceptSpaceId ?? '');
  }

  /** Feeds one frame; the detector's update once watching (with an event on alarm or recovery). */
  push(frame: DriftFrame, conceptSpaceId: string): DriftUpdate | undefined {
    if (conceptSpaceId !== this.conceptSpaceId && (this.detector || this.collected.length > 0)) {
      this.reset(conceptSpaceId);
    }
    this.conceptSpaceId = conceptSpaceId;
    if (this.detector) return this.detector.push(frame);
    this.collected.push(frame);
    if (this.collected.length >= this.settings.referenceWindows) this.freeze();
    return undefined;
  }

  /** The concept space of the group's frames so far ('' before the first). */
  get spaceId(): string {
    return this.conceptSpaceId;
  }

  status(): GroupDriftStatus {
    const watching = this.detector !== undefined;
    return {
      phase: watching ? 'watching' : 'collecting',
      referenceFrames: watching ? this.settings.referenceWindows : this.collected.length,
      referenceTarget: this.settings.referenceWindows,
      statistic: this.detector ? this.detector.statistic : null,
      threshold: this.detector ? this.detector.threshold : null,
      alarm: this.detector?.alarm ?? false,
      referenceUpdatedMs: this.referenceUpdatedMs,
    };
  }

  snapshot(): GroupDriftSnapshot {
    if (this.detector)
      return {
        phase: 'watching',
        conceptSpaceId: this.conceptSpaceId,
        referenceUpdatedMs: this.referenceUpdatedMs ?? 0,
        detector: this.detector.snapshot(),
      };
    return { phase: 'collecting', conceptSpaceId: this.conceptSpaceId, frames: [...this.collected] };
  }

  restore(snapshot: GroupDriftSnapshot): void {
    this.conceptSpaceId = snapshot.conceptSpaceId;
    if (snapshot.phase === 'watching') {
      this.collected = [];
      this.detector = OnlineDriftDetector.restore(snapshot.detector);
      this.referenceUpdatedMs = snapshot.referenceUpdatedMs;
    } else {
      this.detector = undefined;
      this.referenceUpdatedMs = null;
      this.collected = [...snapshot.frames];
    }
  }

  private reset(conceptSpaceId: string): void {
    this.conceptSpaceId = conceptSpaceId;
    this.collected = [];
    this.detector = undefined;
    this.referenceUpdatedMs = null;
    const saved = this.savedReference;
    if (saved && (saved.conceptSpaceId === '' || saved.conceptSpaceId === conceptSpaceId)) {
      this.detector = new OnlineDriftDetector(saved.reference);
      this.referenceUpdatedMs = this.now();
    }
  }

  private freeze(): void {
    const builder = new ReferenceBuilder({ size: this.settings.referenceWindows });
    for (const frame of this.collected) builder.add(frame);
    const reference = builder.freeze({
      falseAlarmsPerDay: this.settings.falseAlarmsPerDay,
      ...(this.settings.halfLifeWindows !== undefined ? { halfLifeWindows: this.settings.halfLifeWindows } : {}),
      // the same frames always give the same reference: a restarted service that rebuilds it gets this one
      seed: seedOf(this.group),
    });
    this.collected = [];
    this.detector = new OnlineDriftDetector(reference);
    this.referenceUpdatedMs = this.now();
  }
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
