import { frameJson, frameLine, type Clock, type FrameView } from '@audio-concepts/pipeline-embedded';
import type { ConceptFrame } from '@audio-concepts/shared-contracts';
import { tableHeader, tableRows } from './frame-table';

export const OUTPUT_FORMATS = ['text', 'json', 'csv', 'tsv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What `tag` writes on stdout, in one of the output formats; every piece ends in a newline or is empty. */
export interface FrameWriter {
  /** Before everything (the CSV/TSV header). */
  begin(): string;
  /** Before the frames of input number `index` of a run over several inputs (the text table's `==> name <==`). */
  input(name: string, index: number): string;
  frame(frame: ConceptFrame, clock: Clock): string;
}

/**
 * The writer of `format`. `view.top` cuts each window's concepts to the K largest; without it the text table shows
 * DEFAULTS.tableTop of them (and how many more there are), and JSON, CSV and TSV every one the frame carries.
 */
export function frameWriter(format: OutputFormat, view: FrameView & { modelId: string }): FrameWriter {
  switch (format) {
    case 'text':
      return {
        begin: () => '',
        // as head(1) and tail(1) head several files
        input: (name, index) => `${index > 0 ? '\n' : ''}==> ${name} <==\n`,
        frame: (frame, clock) => `${frameLine(frame, { ...view, clock })}\n`,
      };
    case 'json':
      return { begin: () => '', input: () => '', frame: (frame) => `${frameJson(frame, view)}\n` };
    case 'csv':
    case 'tsv': {
      const delimiter = format === 'csv' ? ',' : '\t';
      return {
        begin: () => `${tableHeader(delimiter)}\n`,
        input: () => '',
        frame: (frame) => tableRows(frame, view, delimiter),
      };
    }
  }
}

/** The frame without its concepts below `minWeight` (l0 still counts all of the window's concepts). */
export function withMinWeight(frame: ConceptFrame, minWeight: number): ConceptFrame {
  return minWeight > 0 ? { ...frame, concepts: frame.concepts.filter((c) => c.weight >= minWeight) } : frame;
}
