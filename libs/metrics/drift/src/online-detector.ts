import { InvalidInputError } from '@audio-concepts/shared-errors';
import { recoveryHold } from './alarm-rule';
import { checkDriftReference, type DriftReference } from './drift-reference';
import type { DriftFrame } from './drift-frame';
import type { ConceptChange, SignalChange } from './drift-report';
import { ewmaWeight } from './ewma';
import { featureCount, SIGNAL_COUNT, SIGNALS } from './feature-space';
import { nullShare } from './threshold-calibration';

/** Labels the reference never saw get features of their own, up to this many (later ones are counted, not watched). */
export const MAX_UNSEEN_LABELS = 64;
/** At most this many concepts are named in an event. */
export const MAX_NAMED_CONCEPTS = 20;
export const DETECTOR_SNAPSHOT_FORMAT = 'audio-concepts/drift-detector';

export interface DriftUpdate {
  statistic: number;
  threshold: number;
  alarm: boolean;
  /** this frame's number among the frames watched since the reference was frozen (from 0) */
  frameIndex: number;
  event?: DriftEvent;
}

export interface DriftEvent {
  kind: 'alarm' | 'recovery';
  /** alarms so far, this one included (a recovery carries its alarm's number) */
  alarmNumber: number;
  /** the estimated change point (an alarm: where the change began; a recovery: where the return began) */
  changeFrameIndex: number;
  changeStreamId: string;
  changeWindowSeq: number;
  changeStartMs: number;
  changed: ConceptChange[];
  signals: SignalChange[];
}

/** Where a feature's CUSUM last left 0 (or peaked): a frame of the group. */
interface FrameMark {
  index: Float64Array;
  windowSeq: Float64Array;
  startMs: Float64Array;
  streamId: string[];
}

export interface DetectorSnapshot {
  format: typeof DETECTOR_SNAPSHOT_FORMAT;
  version: 1;
  reference: DriftReference;
  state: {
    frames: number;
    statistic: number;
    alarm: boolean;
    alarmNumber: number;
    alarmFeature: number;
    belowRecovery: number;
    unseenLabels: string[];
    unseenDropped: number;
    deviation: number[];
    cusumUp: number[];
    cusumDown: number[];
    upMark: SerializedMarks;
    downMark: SerializedMarks;
    peak: { value: number; index: number; windowSeq: number; startMs: number; streamId: string };
  };
}

interface SerializedMarks {
  index: number[];
  windowSeq: number[];
  startMs: number[];
  streamId: string[];
}

/**
 * Watches one stream group against a frozen reference, one frame at a time, in O(vocabulary) memory and time per
 * frame, allocating nothing per frame but the returned update.
 *
 * Per feature (cosine, l0, each concept's activation and mass) an EWMA of the frames (half-life H windows); the
 * statistic is S = max_j |EWMA_j − μ_j| / s_j, with the threshold calibrated on the reference (null-simulation.ts)
 * for the false-alarm setting. Alarm when S > h, recovery once S has stayed below h × recoveryRatio for a half-life
 * (alarm-rule.ts). Per feature also a two-sided
 * CUSUM with allowance half the shift the EWMA alarms at (k_j = h s_j / 2): the change point of an alarm is where
 * the CUSUM of its top feature last left 0; that of a recovery is where that CUSUM peaked.
 */
export class OnlineDriftDetector {
  private readonly reference: DriftReference;
  private readonly weight: number;
  private readonly labelIndex = new Map<string, number>();
  private readonly mean: Float64Array;
  private readonly inverseScale: Float64Array;
  private readonly allowance: Float64Array;
  private readonly deviation: Float64Array;
  private readonly cusumUp: Float64Array;
  private readonly cusumDown: Float64Array;
  private readonly upMark: FrameMark;
  private readonly downMark: FrameMark;
  private readonly x: Float64Array;
  private readonly touched: Int32Array;
  private touchedCount = 0;
  private active: number;
  private frames = 0;
  private unseenLabels: string[] = [];
  private unseenDropped = 0;
  private currentStatistic = 0;
  private inAlarm = false;
  private alarms = 0;
  private alarmFeature = -1;
  /** frames in a row with the statistic below the recovery level, during an alarm */
  private below = 0;
  private readonly hold: number;
  private peak = { value: 0, index: 0, windowSeq: 0, startMs: 0, streamId: '' };

  constructor(reference: DriftReference) {
    this.reference = checkDriftReference(reference);
    const K = reference.labels.length;
    const capacity = featureCount(K + MAX_UNSEEN_LABELS);
    this.active = featureCount(K);
    reference.labels.forEach((label, k) => this.labelIndex.set(label, k));
    this.weight = ewmaWeight(reference.halfLifeWindows);
    this.hold = recoveryHold(reference.halfLifeWindows);
    this.mean = new Float64Array(capacity);
    this.inverseScale = new Float64Array(capacity);
    this.allowance = new Float64Array(capacity);
    for (let j = 0; j < capacity; j++) {
      const known = j < this.active;
      const isRate = (j - SIGNAL_COUNT) % 2 === 0;
      const scale = known ? reference.scale[j] : isRate ? reference.unseenScale.rate : reference.unseenScale.mass;
      this.mean[j] = known ? reference.mean[j] : 0;
      this.inverseScale[j] = 1 / scale;
      this.allowance[j] = (reference.threshold * scale) / 2;
    }
    this.deviation = new Float64Array(capacity);
    this.cusumUp = new Float64Array(capacity);
    this.cusumDown = new Float64Array(capacity);
    this.upMark = newMarks(capacity);
    this.downMark = newMarks(capacity);
    this.x = new Float64Array(capacity);
    this.touched = new Int32Array(capacity);
  }

  get statistic(): number {
    return this.currentStatistic;
  }

  get threshold(): number {
    return this.reference.threshold;
  }

  get alarm(): boolean {
    return this.inAlarm;
  }

  /** Frames watched so far. */
  get frameCount(): number {
    return this.frames;
  }

  /** Labels the reference never saw that arrived after MAX_UNSEEN_LABELS others (not watched). */
  get droppedUnseenLabels(): number {
    return this.unseenDropped;
  }

  get driftReference(): DriftReference {
    return this.reference;
  }

  push(frame: DriftFrame): DriftUpdate {
    const frameIndex = this.frames;
    this.scatter(frame, frameIndex);
    const { x, mean, deviation, inverseScale, allowance, cusumUp, cusumDown, weight: a } = this;
    const g = 1 - a;
    let max = 0;
    let arg = 0;
    for (let j = 0; j < this.active; j++) {
      const u = x[j] - mean[j];
      const d = g * deviation[j] + a * u;
      deviation[j] = d;
      const s = (d < 0 ? -d : d) * inverseScale[j];
      if (s > max) {
        max = s;
        arg = j;
      }
      const up = cusumUp[j] + u - allowance[j];
      if (up > 0) {
        if (cusumUp[j] === 0) mark(this.upMark, j, frameIndex, frame);
        cusumUp[j] = up;
      } else cusumUp[j] = 0;
      const down = cusumDown[j] - u - allowance[j];
      if (down > 0) {
        if (cusumDown[j] === 0) mark(this.downMark, j, frameIndex, frame);
        cusumDown[j] = down;
      } else cusumDown[j] = 0;
    }
    for (let i = 0; i < this.touchedCount; i++) x[this.touched[i]] = 0;
    this.touchedCount = 0;
    this.frames++;
    this.currentStatistic = max;
    const threshold = this.reference.threshold;
    let event: DriftEvent | undefined;
    if (!this.inAlarm && max > threshold) {
      this.inAlarm = true;
      this.below = 0;
      this.alarms++;
      this.alarmFeature = arg;
      event = this.alarmEvent(arg, frameIndex, frame);
    } else if (this.inAlarm) {
      this.trackPeak(frameIndex, frame);
      if (max >= threshold * this.reference.recoveryRatio) this.below = 0;
      else if (++this.below >= this.hold) {
        this.inAlarm = false;
        event = this.recoveryEvent();
      }
    }
    const update: DriftUpdate = { statistic: max, threshold, alarm: this.inAlarm, frameIndex };
    if (event) update.event = event;
    return update;
  }

  snapshot(): DetectorSnapshot {
    const n = this.active;
    const slice = (a: Float64Array) => Array.from(a.subarray(0, n));
    const marks = (m: FrameMark): SerializedMarks => ({
      index: slice(m.index),
      windowSeq: slice(m.windowSeq),
      startMs: slice(m.startMs),
      streamId: m.streamId.slice(0, n).map((s) => s ?? ''),
    });
    return {
      format: DETECTOR_SNAPSHOT_FORMAT,
      version: 1,
      reference: this.reference,
      state: {
        frames: this.frames,
        statistic: this.currentStatistic,
        alarm: this.inAlarm,
        alarmNumber: this.alarms,
        alarmFeature: this.alarmFeature,
        belowRecovery: this.below,
        unseenLabels: [...this.unseenLabels],
        unseenDropped: this.unseenDropped,
        deviation: slice(this.deviation),
        cusumUp: slice(this.cusumUp),
        cusumDown: slice(this.cusumDown),
        upMark: marks(this.upMark),
        downMark: marks(this.downMark),
        peak: { ...this.peak },
      },
    };
  }

  static restore(snapshot: DetectorSnapshot): OnlineDriftDetector {
    if (snapshot?.format !== DETECTOR_SNAPSHOT_FORMAT || snapshot.version !== 1)
      throw new InvalidInputError(`not a drift detector snapshot (format ${JSON.stringify(snapshot?.format)})`);
    const detector = new OnlineDriftDetector(snapshot.reference);
    const s = snapshot.state;
    for (const label of s.unseenLabels) detector.addUnseen(label);
    const n = detector.active;
    const arrays = [s.deviation, s.cusumUp, s.cusumDown, s.upMark.index, s.downMark.index];
    if (arrays.some((a) => !Array.isArray(a) || a.length !== n))
      throw new InvalidInputError(`drift detector snapshot: its state arrays must hold ${n} values`);
    detector.deviation.set(s.deviation);
    detector.cusumUp.set(s.cusumUp);
    detector.cusumDown.set(s.cusumDown);
    restoreMarks(detector.upMark, s.upMark);
    restoreMarks(detector.downMark, s.downMark);
    detector.frames = s.frames;
    detector.currentStatistic = s.statistic;
    detector.inAlarm = s.alarm;
    detector.alarms = s.alarmNumber;
    detector.alarmFeature = s.alarmFeature;
    detector.below = s.belowRecovery;
    detector.unseenDropped = s.unseenDropped;
    detector.peak = { ...s.peak };
    return detector;
  }

  /** Writes the frame's features into x (remembering which it touched). */
  private scatter(frame: DriftFrame, frameIndex: number): void {
    const { x, touched } = this;
    if (!Number.isFinite(frame.cosine) || !Number.isFinite(frame.l0))
      throw new InvalidInputError(`frame ${frameIndex}: cosine and l0 must be finite numbers`);
    x[0] = frame.cosine;
    x[1] = frame.l0;
    touched[0] = 0;
    touched[1] = 1;
    this.touchedCount = 2;
    for (const c of frame.concepts) {
      const w = c.weight;
      if (!(w >= 0) || w === Infinity)
        throw new InvalidInputError(`frame ${frameIndex}: concept '${c.label}' has weight ${w}, expected a number ≥ 0`);
      if (w === 0) continue;
      let k = this.labelIndex.get(c.label);
      if (k === undefined) {
        k = this.addUnseen(c.label);
        if (k < 0) continue;
      }
      const j = SIGNAL_COUNT + 2 * k;
      if (x[j] !== 0) continue; // a label listed twice counts once
      x[j] = 1;
      x[j + 1] = w;
      touched[this.touchedCount++] = j;
      touched[this.touchedCount++] = j + 1;
    }
  }

  /** A feature pair for a label the reference never saw (−1 when there is no room left). */
  private addUnseen(label: string): number {
    if (this.unseenLabels.length >= MAX_UNSEEN_LABELS) {
      this.unseenDropped++;
      return -1;
    }
    const k = this.reference.labels.length + this.unseenLabels.length;
    this.unseenLabels.push(label);
    this.labelIndex.set(label, k);
    this.active = featureCount(k + 1);
    return k;
  }

  private labelOf(k: number): string {
    const K = this.reference.labels.length;
    return k < K ? this.reference.labels[k] : this.unseenLabels[k - K];
  }

  private score(j: number): number {
    const d = this.deviation[j];
    return (d < 0 ? -d : d) * this.inverseScale[j];
  }

  private alarmEvent(feature: number, frameIndex: number, frame: DriftFrame): DriftEvent {
    const up = this.deviation[feature] >= 0;
    const cusum = up ? this.cusumUp : this.cusumDown;
    const marks = up ? this.upMark : this.downMark;
    const started = cusum[feature] > 0;
    this.peak = {
      value: cusum[feature],
      index: frameIndex,
      windowSeq: frame.windowSeq,
      startMs: frame.startMs,
      streamId: frame.streamId,
    };
    return {
      kind: 'alarm',
      alarmNumber: this.alarms,
      changeFrameIndex: started ? marks.index[feature] : frameIndex,
      changeStreamId: started ? marks.streamId[feature] : frame.streamId,
      changeWindowSeq: started ? marks.windowSeq[feature] : frame.windowSeq,
      changeStartMs: started ? marks.startMs[feature] : frame.startMs,
      ...this.changes(),
    };
  }

  private trackPeak(frameIndex: number, frame: DriftFrame): void {
    const j = this.alarmFeature;
    const up = this.deviation[j] >= 0;
    const value = (up ? this.cusumUp : this.cusumDown)[j];
    if (value > this.peak.value)
      this.peak = {
        value,
        index: frameIndex,
        windowSeq: frame.windowSeq,
        startMs: frame.startMs,
        streamId: frame.streamId,
      };
  }

  private recoveryEvent(): DriftEvent {
    const p = this.peak;
    return {
      kind: 'recovery',
      alarmNumber: this.alarms,
      changeFrameIndex: p.index,
      changeStreamId: p.streamId,
      changeWindowSeq: p.windowSeq,
      changeStartMs: p.startMs,
      ...this.changes(),
    };
  }

  /** Concepts and signals now vs the reference; a feature counts as changed at score ≥ h × recoveryRatio. */
  private changes(): { changed: ConceptChange[]; signals: SignalChange[] } {
    const level = this.reference.threshold * this.reference.recoveryRatio;
    const tail = this.reference.nullTail;
    const K = (this.active - SIGNAL_COUNT) / 2;
    const named: { k: number; score: number }[] = [];
    for (let k = 0; k < K; k++) {
      const j = SIGNAL_COUNT + 2 * k;
      const score = Math.max(this.score(j), this.score(j + 1));
      if (score >= level) named.push({ k, score });
    }
    named.sort((p, q) => q.score - p.score || p.k - q.k);
    const changed = named.slice(0, MAX_NAMED_CONCEPTS).map(({ k, score }) => {
      const j = SIGNAL_COUNT + 2 * k;
      return {
        label: this.labelOf(k),
        referenceRate: this.mean[j],
        currentRate: this.mean[j] + this.deviation[j],
        referenceMass: this.mean[j + 1],
        currentMass: this.mean[j + 1] + this.deviation[j + 1],
        q: nullShare(tail, score),
      };
    });
    const signals = SIGNALS.map((name, j) => {
      const score = this.score(j);
      return {
        name,
        referenceMean: this.mean[j],
        currentMean: this.mean[j] + this.deviation[j],
        q: nullShare(tail, score),
        changed: score >= level,
      };
    });
    return { changed, signals };
  }
}

function newMarks(capacity: number): FrameMark {
  return {
    index: new Float64Array(capacity),
    windowSeq: new Float64Array(capacity),
    startMs: new Float64Array(capacity),
    streamId: new Array<string>(capacity).fill(''),
  };
}

function mark(marks: FrameMark, j: number, index: number, frame: DriftFrame): void {
  marks.index[j] = index;
  marks.windowSeq[j] = frame.windowSeq;
  marks.startMs[j] = frame.startMs;
  marks.streamId[j] = frame.streamId;
}

function restoreMarks(marks: FrameMark, saved: SerializedMarks): void {
  marks.index.set(saved.index);
  marks.windowSeq.set(saved.windowSeq);
  marks.startMs.set(saved.startMs);
  saved.streamId.forEach((s, j) => (marks.streamId[j] = s));
}
