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

/** How a frame is shown: what it does not carry itself, and how many of its concepts to show. */
export interface FrameView {
  /** the id of the model that encoded the audio (a frame does not carry it); absent: not known (JSON null) */
  modelId?: string;
  /** the fit below which a window is marked unknown; default `DEFAULTS.unknownFit` */
  unknownFit?: number;
  /** show the K largest concepts only (JSON default: every one the frame lists; text: `DEFAULTS.tableTop`) */
  top?: number;
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
 * end_s, concepts [{label, weight}] largest first (every one the frame lists, or the `top` largest), cosine, l0;
 * then model_id (null when not known), concept_space_id, head_id (only for a frame decomposed through a projection
 * head), and fit and unknown (when the frame has a fit). Weights,
 * cosine and fit keep 6 decimals: the float32 values a frame carries, to about 1e-6.
 */
export function frameJson(frame: ConceptFrame, view: FrameView = {}): string {
  return JSON.stringify({
    stream: frame.streamId,
    window_seq: frame.windowSeq,
    start_s: round(frame.startMs / 1000, 3),
    end_s: round((frame.startMs + frame.durationMs) / 1000, 3),
    concepts: shownConcepts(frame, view.top).map((c) => ({ label: c.label, weight: round(c.weight, 6) })),
    cosine: round(frame.cosine, 6),
    l0: frame.l0,
    // float32 on the wire: 7 significant digits give back the λ asked for (0.15, not 0.15000000596…)
    lambda: Number(frame.lambda.toPrecision(7)),
    model_id: view.modelId ?? null,
    concept_space_id: frame.conceptSpaceId,
    ...(frame.headId ? { head_id: frame.headId } : {}),
    ...(frame.fit === undefined ? {} : { fit: round(frame.fit, 6), unknown: isUnknown(frame, view.unknownFit) }),
  });
}

/** The `top` largest of the concepts a frame lists (largest first already); all of them without `top`. */
export function shownConcepts(frame: ConceptFrame, top?: number): ConceptFrame['concepts'] {
  return top === undefined || frame.concepts.length <= top ? frame.concepts : frame.concepts.slice(0, top);
}

/**
 * `00:10.0–00:20.0  hum 0.412; hiss 0.330; + 4 more   (cos 0.93, fit 0.95, 6 concepts)`: the `top` largest concepts
 * (default `DEFAULTS.tableTop`) and how many more the frame lists, fixed-width times (`clock`, default hh:mm:ss), so
 * the columns stay aligned; "; " between concepts because AudioSet names contain commas. A window whose fit is
 * below `unknownFit` ends with `  unknown: nothing in the vocabulary fits`.
 */
export function frameLine(frame: ConceptFrame, view: FrameView & { clock?: Clock } = {}): string {
  const { clock = 'hh:mm:ss', unknownFit = DEFAULTS.unknownFit, top = DEFAULTS.tableTop } = view;
  const span = `${formatClock(frame.startMs, clock)}–${formatClock(frame.startMs + frame.durationMs, clock)}`;
  const shown = shownConcepts(frame, top);
  const more = frame.concepts.length - shown.length;
  const concepts =
    shown.length > 0
      ? [...shown.map((c) => `${c.label} ${c.weight.toFixed(3)}`), ...(more > 0 ? [`+ ${more} more`] : [])].join('; ')
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
