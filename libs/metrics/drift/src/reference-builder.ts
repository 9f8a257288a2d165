import { InvalidInputError } from '@audio-concepts/shared-errors';
import { RECOVERY_RATIO, recoveryHold } from './alarm-rule';
import { blockPlan } from './block-plan';
import { checkDriftFrame, type DriftFrame } from './drift-frame';
import { DRIFT_REFERENCE_FORMAT, DRIFT_REFERENCE_VERSION, type DriftReference } from './drift-reference';
import { deviationScale, ewmaWeight } from './ewma';
import { featureCount, massFeature, rateFeature, Vocabulary } from './feature-space';
import { simulateNullStatistic } from './null-simulation';
import { MIN_REFERENCE_FRAMES } from './offline-drift';
import { ResampleStats } from './resample-stats';
import { packFrames } from './sparse-frames';
import { calibrateThreshold, gaussianLevel, nullTail } from './threshold-calibration';
import { VarianceFloor } from './variance-floor';

export interface OnlineDriftOptions {
  /** expected false alarms per day per group on data like the reference */
  falseAlarmsPerDay: number;
  /** half-life of the running means, in windows (default 30) */
  halfLifeWindows?: number;
  /** frames the group sees per day (default: 86 400 s / the reference's window step × its distinct streams) */
  framesPerDay?: number;
  seed?: number;
  /** bootstrap block length (default: from the reference's autocorrelation) */
  block?: number;
  /** most frames the calibration simulates (default 1 000 000; rarer alarms are extrapolated) */
  maxSimulatedFrames?: number;
}

export const ONLINE_DEFAULTS = { halfLifeWindows: 30, seed: 1, maxSimulatedFrames: 1_000_000 } as const;
/** The calibration simulates enough frames for about this many alarms at the target rate (within the limits). */
const TARGET_SIMULATED_ONSETS = 60;
const MIN_SIMULATED_FRAMES = 100_000;
/** Recorded frames per simulated detector life (each with its own pseudo-reference), at least half the reference. */
const SEGMENT_FRAMES = 500;

/**
 * Collects a group's first `size` frames, then `freeze` turns them into a calibrated `DriftReference` and the
 * frames are dropped: what stays is O(vocabulary).
 */
export class ReferenceBuilder {
  private frames: DriftFrame[] = [];
  readonly size: number;

  constructor(options: { size: number }) {
    if (!Number.isInteger(options.size) || options.size < MIN_REFERENCE_FRAMES)
      throw new InvalidInputError(
        `a reference needs at least ${MIN_REFERENCE_FRAMES} frames, got size ${options.size}`,
      );
    this.size = options.size;
  }

  get count(): number {
    return this.frames.length;
  }

  get complete(): boolean {
    return this.frames.length >= this.size;
  }

  add(frame: DriftFrame): void {
    if (this.complete) throw new InvalidInputError(`the reference is complete (${this.size} frames)`);
    checkDriftFrame(frame, `reference frame ${this.frames.length}`);
    this.frames.push(frame);
  }

  /** The reference of the frames so far (at least MIN_REFERENCE_FRAMES), calibrated for `options`. */
  freeze(options: OnlineDriftOptions): DriftReference {
    const reference = freezeReference(this.frames, options);
    this.frames = [];
    return reference;
  }
}

export function freezeReference(frames: readonly DriftFrame[], options: OnlineDriftOptions): DriftReference {
  const falseAlarmsPerDay = options.falseAlarmsPerDay;
  if (!(Number.isFinite(falseAlarmsPerDay) && falseAlarmsPerDay > 0))
    throw new InvalidInputError(`falseAlarmsPerDay must be a number > 0, got ${falseAlarmsPerDay}`);
  const halfLifeWindows = options.halfLifeWindows ?? ONLINE_DEFAULTS.halfLifeWindows;
  if (!(Number.isFinite(halfLifeWindows) && halfLifeWindows > 0))
    throw new InvalidInputError(`halfLifeWindows must be a number > 0, got ${halfLifeWindows}`);
  if (frames.length < MIN_REFERENCE_FRAMES)
    throw new InvalidInputError(
      `the reference has ${frames.length} frame${frames.length === 1 ? '' : 's'}; it needs at least ${MIN_REFERENCE_FRAMES}`,
    );
  const { streams, windowStepMs } = streamTiming(frames);
  const framesPerDay = options.framesPerDay ?? (86_400_000 / windowStepMs) * streams;
  if (!(Number.isFinite(framesPerDay) && framesPerDay > 0))
    throw new InvalidInputError(`framesPerDay must be a number > 0, got ${framesPerDay}`);
  const seed = options.seed ?? ONLINE_DEFAULTS.seed;

  const vocabulary = new Vocabulary();
  const sparse = packFrames(frames, vocabulary);
  const K = vocabulary.size;
  const F = featureCount(K);
  const n = sparse.rows;
  const plan = blockPlan(sparse, K, options.block);
  const floor = VarianceFloor.fromReference(sparse, K, plan.autocorrelationTime);
  const stats = new ResampleStats(sparse, F, plan.batch);
  stats.addBlock(0, n);
  const a = ewmaWeight(halfLifeWindows);
  const mean = new Float64Array(F);
  const scale = new Array<number>(F);
  for (let j = 0; j < F; j++) {
    mean[j] = stats.sum[j] / n;
    scale[j] = deviationScale(floor.variance(stats, j), a, n);
  }
  const onsetsPerFrame = falseAlarmsPerDay / framesPerDay;
  const maxFrames = options.maxSimulatedFrames ?? ONLINE_DEFAULTS.maxSimulatedFrames;
  const simulated = Math.max(
    Math.min(MIN_SIMULATED_FRAMES, maxFrames),
    Math.min(maxFrames, Math.ceil(TARGET_SIMULATED_ONSETS / onsetsPerFrame)),
  );
  const simulation = {
    reference: sparse,
    features: F,
    referenceMean: mean,
    floor,
    batch: plan.batch,
    block: plan.block,
    weight: a,
    segmentFrames: Math.max(SEGMENT_FRAMES, Math.ceil(n / 2)),
    seed,
  };
  const { values, restarts } = simulateNullStatistic({ ...simulation, frames: simulated });
  const calibration = calibrateThreshold(
    values,
    restarts,
    onsetsPerFrame,
    RECOVERY_RATIO,
    recoveryHold(halfLifeWindows),
  );
  return {
    format: DRIFT_REFERENCE_FORMAT,
    version: DRIFT_REFERENCE_VERSION,
    labels: [...vocabulary.labels],
    frames: n,
    streams,
    windowStepMs,
    mean: Array.from(mean),
    scale,
    // a label the reference never saw: the floors of concept number K (one past the reference's), never active
    unseenScale: {
      rate: deviationScale(floor.of(rateFeature(K), 0, n), a, n),
      mass: deviationScale(floor.of(massFeature(K), 0, n), a, n),
    },
    halfLifeWindows,
    falseAlarmsPerDay,
    framesPerDay,
    threshold: Math.max(calibration.threshold, gaussianLevel(onsetsPerFrame)),
    recoveryRatio: RECOVERY_RATIO,
    block: plan.block,
    batch: plan.batch,
    autocorrelationTime: plan.autocorrelationTime,
    nullTail: nullTail(values),
    calibration: {
      simulatedFrames: values.length,
      onsets: calibration.onsets,
      extrapolated: calibration.extrapolated,
      // the simulated null's threshold, before the Gaussian floor (gaussianLevel)
      simulatedThreshold: calibration.threshold,
      seed,
    },
  };
}

/**
 * Distinct streams, and the time from one window to the next of a stream: the mean over streams with ≥ 2 frames of
 * (last start − first start)/(frames − 1) (the hop, when windows overlap); the mean window duration otherwise.
 */
function streamTiming(frames: readonly DriftFrame[]): { streams: number; windowStepMs: number } {
  const spans = new Map<string, { first: number; last: number; count: number }>();
  let durations = 0;
  for (const f of frames) {
    durations += f.durationMs;
    const s = spans.get(f.streamId);
    if (!s) spans.set(f.streamId, { first: f.startMs, last: f.startMs, count: 1 });
    else {
      s.first = Math.min(s.first, f.startMs);
      s.last = Math.max(s.last, f.startMs);
      s.count++;
    }
  }
  let steps = 0;
  let counted = 0;
  for (const s of spans.values())
    if (s.count >= 2 && s.last > s.first) {
      steps += (s.last - s.first) / (s.count - 1);
      counted++;
    }
  const windowStepMs = counted > 0 ? steps / counted : durations / frames.length;
  if (!(windowStepMs > 0))
    throw new InvalidInputError(
      'the reference frames have no duration and no time between windows (durationMs, startMs)',
    );
  return { streams: spans.size, windowStepMs };
}
