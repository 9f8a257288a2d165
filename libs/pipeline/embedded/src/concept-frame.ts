/** One window's concept representation: what `tag` prints and the services publish (DESIGN §2, §4). */
export interface ConceptFrame {
  stream: string;
  windowSeq: number;
  startS: number;
  endS: number;
  /** non-zero concepts, largest weight first (at most `top`) */
  concepts: { label: string; weight: number }[];
  /** fidelity cos(r, L2(e)) of the reconstruction */
  cosine: number;
  /** number of non-zero concepts (all of them, not only the printed top) */
  l0: number;
}

/** The JSON line of `tag --json` (DESIGN §4 keys, snake_case). */
export function conceptFrameJson(frame: ConceptFrame): string {
  return JSON.stringify({
    stream: frame.stream,
    window_seq: frame.windowSeq,
    start_s: round(frame.startS, 3),
    end_s: round(frame.endS, 3),
    concepts: frame.concepts.map((c) => ({ label: c.label, weight: round(c.weight, 4) })),
    cosine: round(frame.cosine, 4),
    l0: frame.l0,
  });
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
