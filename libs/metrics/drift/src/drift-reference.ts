import { FormatError } from '@audio-concepts/shared-errors';
import { featureCount } from './feature-space';

export const DRIFT_REFERENCE_FORMAT = 'audio-concepts/drift-reference';
export const DRIFT_REFERENCE_VERSION = 1;

/**
 * A frozen reference and the online detector's calibration, as plain JSON (O(vocabulary), no frames): what
 * `ReferenceBuilder.freeze` makes, what `audio-concepts drift --save-reference` writes and the metrics service loads.
 * Per-feature arrays follow the feature layout of feature-space.ts (cosine, l0, then activation and mass per label).
 */
export interface DriftReference {
  format: typeof DRIFT_REFERENCE_FORMAT;
  version: typeof DRIFT_REFERENCE_VERSION;
  labels: string[];
  /** frames and distinct streams the reference was made of, and the time between consecutive windows of a stream */
  frames: number;
  streams: number;
  windowStepMs: number;
  /** per feature: the reference mean μ_j */
  mean: number[];
  /** per feature: the scale s_j of the running mean's distance from μ_j (|EWMA − μ| / s is the feature's score) */
  scale: number[];
  /** the scales given to a label the reference never saw (activation, mass) */
  unseenScale: { rate: number; mass: number };
  halfLifeWindows: number;
  falseAlarmsPerDay: number;
  framesPerDay: number;
  /** alarm when the statistic exceeds `threshold`; recovery when it falls below `threshold × recoveryRatio` */
  threshold: number;
  recoveryRatio: number;
  /** the bootstrap's block length, the batch length of the variance estimate, and the reference's largest τ */
  block: number;
  batch: number;
  autocorrelationTime: number;
  /** the statistic's null distribution: share `exceedance[i]` of simulated null frames had statistic ≥ `levels[i]` */
  nullTail: { levels: number[]; exceedance: number[] };
  calibration: {
    simulatedFrames: number;
    onsets: number;
    extrapolated: boolean;
    /** the threshold the simulation gave; `threshold` is at least gaussianLevel(onsets per frame) */
    simulatedThreshold?: number;
    seed: number;
  };
}

/** Checks a parsed JSON value is a drift reference this version reads; throws a FormatError naming what is wrong. */
export function checkDriftReference(value: unknown, source = 'drift reference'): DriftReference {
  const r = value as Partial<DriftReference> | null;
  const fail = (what: string): never => {
    throw new FormatError(`${source}: ${what}`);
  };
  if (typeof r !== 'object' || r === null) return fail('expected a JSON object');
  if (r.format !== DRIFT_REFERENCE_FORMAT)
    fail(`format must be '${DRIFT_REFERENCE_FORMAT}', got ${JSON.stringify(r.format)}`);
  if (r.version !== DRIFT_REFERENCE_VERSION)
    fail(`version ${JSON.stringify(r.version)} is not supported (this reads ${DRIFT_REFERENCE_VERSION})`);
  if (!Array.isArray(r.labels) || !r.labels.every((l) => typeof l === 'string'))
    fail('labels must be an array of strings');
  const F = featureCount(r.labels!.length);
  for (const key of ['mean', 'scale'] as const) {
    const a = r[key];
    if (!Array.isArray(a) || a.length !== F || !a.every(Number.isFinite))
      fail(`${key} must hold ${F} finite numbers (2 signals + 2 per label)`);
  }
  if (!r.scale!.every((s) => s > 0)) fail('every scale must be > 0');
  for (const key of [
    'frames',
    'streams',
    'windowStepMs',
    'halfLifeWindows',
    'falseAlarmsPerDay',
    'framesPerDay',
    'threshold',
    'recoveryRatio',
    'block',
    'batch',
    'autocorrelationTime',
  ] as const)
    if (!(typeof r[key] === 'number' && Number.isFinite(r[key]) && (r[key] as number) > 0))
      fail(`${key} must be a number > 0`);
  if (!(r.recoveryRatio! < 1)) fail('recoveryRatio must be below 1');
  if (!(r.unseenScale && r.unseenScale.rate > 0 && r.unseenScale.mass > 0)) fail('unseenScale needs rate and mass > 0');
  const tail = r.nullTail;
  if (
    !tail ||
    !Array.isArray(tail.levels) ||
    !Array.isArray(tail.exceedance) ||
    tail.levels.length !== tail.exceedance.length ||
    tail.levels.length === 0
  )
    fail('nullTail needs levels and exceedance of the same non-zero length');
  if (!r.calibration || typeof r.calibration !== 'object') fail('calibration is missing');
  return r as DriftReference;
}
