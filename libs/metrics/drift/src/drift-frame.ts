import { InvalidInputError } from '@audio-concepts/shared-errors';

/** One window's concepts as the drift detectors see it (a `ConceptFrame`, or a line of `tag --json`). */
export interface DriftFrame {
  streamId: string;
  windowSeq: number;
  startMs: number;
  durationMs: number;
  /** The window's non-zero concepts (all of them, or the top K of an older file: a concept not listed is 0). */
  concepts: { label: string; weight: number }[];
  /** Fidelity of the reconstruction (cos(r, e)). */
  cosine: number;
  /** Number of non-zero concepts of the window (may exceed `concepts.length` in older top-K files). */
  l0: number;
  fit?: number;
}

/** Throws a clear error for a frame the detectors cannot use (non-finite numbers, a negative weight, …). */
export function checkDriftFrame(frame: DriftFrame, where: string): void {
  if (!Number.isFinite(frame.cosine)) throw new InvalidInputError(`${where}: cosine must be a finite number`);
  if (!Number.isFinite(frame.l0) || frame.l0 < 0) throw new InvalidInputError(`${where}: l0 must be a number ≥ 0`);
  if (!Array.isArray(frame.concepts)) throw new InvalidInputError(`${where}: concepts must be an array`);
  const seen = new Set<string>();
  for (const c of frame.concepts) {
    if (typeof c?.label !== 'string' || c.label === '')
      throw new InvalidInputError(`${where}: every concept needs a non-empty label`);
    if (seen.has(c.label)) throw new InvalidInputError(`${where}: concept '${c.label}' is listed twice`);
    seen.add(c.label);
    if (!Number.isFinite(c.weight) || c.weight < 0)
      throw new InvalidInputError(`${where}: concept '${c.label}' has weight ${c.weight}, expected a number ≥ 0`);
  }
}
