import { frameJson, frameLine, type Clock } from '@audio-concepts/pipeline-embedded';
import { DEFAULTS, type ConceptFrame } from '@audio-concepts/shared-contracts';
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

export function frameWriter(
  format: OutputFormat,
  modelId: string,
  unknownFit: number = DEFAULTS.unknownFit,
): FrameWriter {
  switch (format) {
    case 'text':
      return {
        begin: () => '',
        // as head(1) and tail(1) head several files
        input: (name, index) => `${index > 0 ? '\n' : ''}==> ${name} <==\n`,
        frame: (frame, clock) => `${frameLine(frame, clock, unknownFit)}\n`,
      };
    case 'json':
      return { begin: () => '', input: () => '', frame: (frame) => `${frameJson(frame, { modelId, unknownFit })}\n` };
    case 'csv':
    case 'tsv': {
      const delimiter = format === 'csv' ? ',' : '\t';
      return {
        begin: () => `${tableHeader(delimiter)}\n`,
        input: () => '',
        frame: (frame) => tableRows(frame, { modelId, unknownFit }, delimiter),
      };
    }
  }
}

/** The frame without its concepts below `minWeight` (l0 still counts all of the window's concepts). */
export function withMinWeight(frame: ConceptFrame, minWeight: number): ConceptFrame {
  return minWeight > 0 ? { ...frame, concepts: frame.concepts.filter((c) => c.weight >= minWeight) } : frame;
}
