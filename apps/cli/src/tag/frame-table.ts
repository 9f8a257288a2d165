import { isUnknown, shownConcepts } from '@audio-concepts/pipeline-embedded';
import type { ConceptFrame } from '@audio-concepts/shared-contracts';

/**
 * The columns of `tag --format csv|tsv`, in the "long" layout: one row per (window, concept), `rank` 1 for the
 * largest weight; a window without a concept keeps one row with rank, label and weight empty, so that every
 * window is there. New columns are only ever added at the end.
 */
export const TABLE_COLUMNS = [
  'stream',
  'window_seq',
  'start_s',
  'end_s',
  'rank',
  'label',
  'weight',
  'cosine',
  'l0',
  'model_id',
  'concept_space_id',
  'fit',
  'unknown',
] as const;

export type Delimiter = ',' | '\t';

export function tableHeader(delimiter: Delimiter): string {
  return TABLE_COLUMNS.join(delimiter);
}

/**
 * The rows of one frame, one per concept (every one it carries, or the `top` largest), each ending in a newline
 * (CRLF is not used: every CSV reader takes LF).
 */
export function tableRows(
  frame: ConceptFrame,
  source: { modelId: string; unknownFit?: number; top?: number },
  delimiter: Delimiter,
): string {
  const window = [frame.streamId, frame.windowSeq, seconds(frame.startMs), seconds(frame.startMs + frame.durationMs)];
  const fit = frame.fit === undefined ? ['', ''] : [round6(frame.fit), String(isUnknown(frame, source.unknownFit))];
  const tail = [round6(frame.cosine), frame.l0, source.modelId, frame.conceptSpaceId, ...fit];
  const shown = shownConcepts(frame, source.top);
  const concepts: (string | number)[][] =
    shown.length > 0 ? shown.map((c, i) => [i + 1, c.label, round6(c.weight)]) : [['', '', '']];
  return concepts
    .map((c) => `${[...window, ...c, ...tail].map((v) => field(v, delimiter)).join(delimiter)}\n`)
    .join('');
}

/**
 * RFC 4180 quoting, for either delimiter: a field holding the delimiter, a quote or a line break is quoted and
 * its quotes doubled (AudioSet names hold commas and quotes; Python's csv and pandas read TSV quotes the same way).
 */
function field(value: string | number, delimiter: Delimiter): string {
  const s = String(value);
  return s.includes(delimiter) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Seconds with 3 decimals and no trailing zeros, as the JSON's start_s/end_s. */
function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/** 6 decimals, as the JSON's weights and cosine: the float32 values a frame carries, to about 1e-6. */
function round6(x: number): string {
  return String(Math.round(x * 1e6) / 1e6);
}
