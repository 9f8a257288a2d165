import { formatClock, isUnknown, type Clock } from '@audio-concepts/pipeline-embedded';
import type { ConceptFrame } from '@audio-concepts/shared-contracts';

/**
 * The one stderr line of a run over several inputs for each input: `a.wav: 12 windows, 02:00.0 of audio; first
 * concept: hum ×8, hiss ×3, tone ×1` (how often each concept was a window's largest, the 3 most frequent), and
 * how many windows nothing in the vocabulary fits, if any (`, 2 unknown`).
 */
export class InputSummary {
  windows = 0;
  failed = 0;
  private unknown = 0;
  private endMs = 0;
  private readonly firsts = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly unknownFit: number,
  ) {}

  add(frame: ConceptFrame): void {
    this.windows++;
    if (isUnknown(frame, this.unknownFit)) this.unknown++;
    this.endMs = Math.max(this.endMs, frame.startMs + frame.durationMs);
    const first = frame.concepts[0]?.label;
    if (first !== undefined) this.firsts.set(first, (this.firsts.get(first) ?? 0) + 1);
  }

  line(name: string): string {
    const top = [...this.firsts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([label, n]) => `${label} ×${n}`);
    return (
      `${name}: ${this.windows} window${this.windows === 1 ? '' : 's'}, ${formatClock(this.endMs, this.clock)} of audio` +
      (this.failed > 0 ? `, ${this.failed} failed` : '') +
      (this.unknown > 0 ? `, ${this.unknown} unknown` : '') +
      (top.length > 0 ? `; first concept: ${top.join(', ')}` : '')
    );
  }
}
