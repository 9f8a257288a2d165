import type { ConceptFrame } from '@audio-concepts/shared-contracts';

/**
 * The JSON line of `tag --json` and `tail --json` (DESIGN §4 keys, snake_case): stream, window_seq, start_s, end_s,
 * concepts [{label, weight}] largest first, cosine, l0. Weights and cosine keep 6 decimals: the float32 values a
 * frame carries, to about 1e-6.
 */
export function frameJson(frame: ConceptFrame): string {
  return JSON.stringify({
    stream: frame.streamId,
    window_seq: frame.windowSeq,
    start_s: round(frame.startMs / 1000, 3),
    end_s: round((frame.startMs + frame.durationMs) / 1000, 3),
    concepts: frame.concepts.map((c) => ({ label: c.label, weight: round(c.weight, 6) })),
    cosine: round(frame.cosine, 6),
    l0: frame.l0,
  });
}

/** `  0.0–10.0 s  hum 0.412; hiss 0.330   (cos 0.93, 2 concepts)`; "; " because AudioSet names contain commas */
export function frameLine(frame: ConceptFrame): string {
  const startS = frame.startMs / 1000;
  const endS = (frame.startMs + frame.durationMs) / 1000;
  const span = `${startS.toFixed(1)}–${endS.toFixed(1)} s`.padStart(14);
  const concepts =
    frame.concepts.length > 0
      ? frame.concepts.map((c) => `${c.label} ${c.weight.toFixed(3)}`).join('; ')
      : '(no concept)';
  return `${span}  ${concepts}   (cos ${frame.cosine.toFixed(2)}, ${frame.l0} concept${frame.l0 === 1 ? '' : 's'})`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
