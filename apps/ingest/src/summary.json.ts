import type { IngestSummary } from '@audio-concepts/ingest-stream';

/** The answer to a finished upload or live stream (snake_case, as the other JSON of the project). */
export interface SummaryJson {
  stream: string;
  windows: number;
  first_seq: number | null;
  last_seq: number | null;
  duration_s: number;
  /** only when the upload was a cut-off WAV (its header declared more than the body held) */
  truncated?: true;
  warning?: string;
}

export function summaryJson(summary: IngestSummary): SummaryJson {
  return {
    stream: summary.stream,
    windows: summary.windows,
    first_seq: summary.firstSeq,
    last_seq: summary.lastSeq,
    duration_s: Math.round(summary.durationS * 1e6) / 1e6,
    ...(summary.truncated ? { truncated: true, warning: summary.warning } : {}),
  };
}
