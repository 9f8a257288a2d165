import { ProminenceAccumulator, type GroupProminence } from '@audio-concepts/decomposer-concepts';
import type { ConceptFrame } from '@audio-concepts/shared-contracts';
import type { ProminenceGroup } from '../prominence-chart';

/** Concepts listed per summary unless --summary-top says otherwise. */
export const SUMMARY_TOP_DEFAULT = 10;

/**
 * `tag --summary`: the mean prominence of each concept over the windows printed for each input and for the whole
 * run (DESIGN §1's stream view; a window where a concept has weight 0 counts as 0), from every non-zero concept
 * of each frame, whatever --top and --min-weight hide.
 */
export class ProminenceSummary {
  private readonly inputs: { stream: string; windows: ProminenceAccumulator }[] = [];
  private readonly run: ProminenceAccumulator;

  constructor(
    private readonly names: readonly string[],
    private readonly top: number,
  ) {
    this.run = new ProminenceAccumulator(names);
  }

  /** Starts the next input; its frames follow. */
  begin(stream: string): void {
    this.inputs.push({ stream, windows: new ProminenceAccumulator(this.names) });
  }

  add(frame: ConceptFrame): void {
    this.inputs[this.inputs.length - 1].windows.addSparse(frame.concepts);
    this.run.addSparse(frame.concepts);
  }

  /** The text table's block after the frames of the current input. */
  inputText(): string {
    const input = this.inputs[this.inputs.length - 1];
    return block(`summary of ${input.stream}`, input.windows.result(this.top));
  }

  /** The text table's block for the whole run (printed when it has several inputs). */
  runText(): string {
    return block(`summary of all ${this.inputs.length} inputs`, this.run.result(this.top));
  }

  /**
   * The one JSON line after the frames: `{"summary": {"windows", "concepts": [{"label", "weight"}], "inputs":
   * [{"stream", "windows", "concepts"}]}}`; a distinct top-level key, so readers of the frames can skip it.
   */
  json(): string {
    const run = this.run.result(this.top);
    return `${JSON.stringify({
      summary: {
        windows: run.n,
        concepts: concepts(run),
        inputs: this.inputs.map(({ stream, windows }) => {
          const result = windows.result(this.top);
          return { stream, windows: result.n, concepts: concepts(result) };
        }),
      },
    })}\n`;
  }

  /** The chart's groups: each input, then the whole run when there are several. */
  chartGroups(): ProminenceGroup[] {
    const groups = this.inputs.map(({ stream, windows }) => ({ name: stream, ...windows.result(this.top) }));
    return this.inputs.length > 1
      ? [...groups, { name: `all ${this.inputs.length} inputs`, ...this.run.result(this.top) }]
      : groups;
  }
}

/** 6 decimals, as the frames' weights. */
function concepts(result: GroupProminence): { label: string; weight: number }[] {
  return result.top.map((concept) => ({ label: concept.label, weight: Math.round(concept.weight * 1e6) / 1e6 }));
}

function block(heading: string, result: GroupProminence): string {
  const lines = [`${heading}: ${result.n} window${result.n === 1 ? '' : 's'}, top concepts by mean prominence`];
  const width = Math.max(0, ...result.top.map((concept) => concept.label.length));
  result.top.forEach((concept, rank) =>
    lines.push(`  ${String(rank + 1).padStart(2)}. ${concept.label.padEnd(width)}  ${concept.weight.toFixed(4)}`),
  );
  if (result.top.length === 0) lines.push('  (no concept)');
  return `\n${lines.join('\n')}\n`;
}
