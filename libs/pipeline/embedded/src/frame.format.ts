import { DEFAULTS, type ConceptFrame } from '@audio-concepts/shared-contracts';

/** How the text table writes times: `mm:ss.s` for inputs known to last under an hour, else `hh:mm:ss.s`. */
export type Clock = 'mm:ss' | 'hh:mm:ss';

/** The clock for an input of `durationS` seconds; a stream of unknown length may run for hours. */
export function clockFor(durationS: number | undefined): Clock {
  return durationS !== undefined && durationS < 3600 ? 'mm:ss' : 'hh:mm:ss';
}

/** `ms` as `mm:ss.s` or `hh:mm:ss.s`, to the tenth of a second (a clock past 99 minutes or hours widens). */
export function formatClock(ms: number, clock: Clock): string {
  const tenths = Math.round(ms / 100);
  const seconds = `${two(Math.floor(tenths / 10) % 60)}.${tenths % 10}`;
  const minutes = Math.floor(tenths / 600);
  if (clock === 'mm:ss') return `${two(minutes)}:${seconds}`;
  return `${two(Math.floor(minutes / 60))}:${two(minutes % 60)}:${seconds}`;
}

/** What a frame does not carry but its JSON names when known: the id of the model that encoded the audio. */
export interface FrameSource {
  modelId?: string;
  /** the fit below which a window is marked unknown; default `DEFAULTS.unknownFit` */
  unknownFit?: number;
}

/**
 * Whether nothing in the vocabulary fits the window: its `fit` (cos(Cᵀw, z), DESIGN §1) is below `unknownFit`. A
 * frame from a decomposer older than the fit has none and is not judged (undefined).
 */
export function isUnknown(frame: ConceptFrame, unknownFit: number = DEFAULTS.unknownFit): boolean | undefined {
  return frame.fit === undefined ? undefined : frame.fit < unknownFit;
}

/**
 * The JSON line of `tag --json` and `tail --json`: the DESIGN §4 keys (snake_case) stream, window_seq, start_s,
 * end_s, concepts [{label, weight}] largest first, cosine, l0; then model_id (when known), concept_space_id, and
 * fit and unknown (when the frame has a fit). Weights, cosine and fit keep 6 decimals: the float32 values a frame
 * carries, to about 1e-6.
 */
export function frameJson(frame: ConceptFrame, source: FrameSource = {}): string {
  return JSON.stringify({
    stream: frame.streamId,
    window_seq: frame.windowSeq,
    start_s: round(frame.startMs / 1000, 3),
    end_s: round((frame.startMs + frame.durationMs) / 1000, 3),
    concepts: frame.concepts.map((c) => ({ label: c.label, weight: round(c.weight, 6) })),
    cosine: round(frame.cosine, 6),
    l0: frame.l0,
    ...(source.modelId === undefined ? {} : { model_id: source.modelId }),
    concept_space_id: frame.conceptSpaceId,
    ...(frame.fit === undefined ? {} : { fit: round(frame.fit, 6), unknown: isUnknown(frame, source.unknownFit) }),
  });
}

/**
 * `00:10.0–00:20.0  hum 0.412; hiss 0.330   (cos 0.93, fit 0.95, 2 concepts)`: fixed-width times, so the columns
 * stay aligned; "; " between concepts because AudioSet names contain commas. A window whose fit is below
 * `unknownFit` ends with `  unknown: nothing in the vocabulary fits`.
 */
export function frameLine(
  frame: ConceptFrame,
  clock: Clock = 'hh:mm:ss',
  unknownFit: number = DEFAULTS.unknownFit,
): string {
  const span = `${formatClock(frame.startMs, clock)}–${formatClock(frame.startMs + frame.durationMs, clock)}`;
  const concepts =
    frame.concepts.length > 0
      ? frame.concepts.map((c) => `${c.label} ${c.weight.toFixed(3)}`).join('; ')
      : '(no concept)';
  const fit = frame.fit === undefined ? '' : `, fit ${frame.fit.toFixed(2)}`;
  const unknown = isUnknown(frame, unknownFit) ? '  unknown: nothing in the vocabulary fits' : '';
  const count = `${frame.l0} concept${frame.l0 === 1 ? '' : 's'}`;
  return `${span}  ${concepts}   (cos ${frame.cosine.toFixed(2)}${fit}, ${count})${unknown}`;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
