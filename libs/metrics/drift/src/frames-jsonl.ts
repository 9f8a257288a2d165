import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { FormatError } from '@audio-concepts/shared-errors';
import type { DriftFrame } from './drift-frame';

/**
 * Reads frames as `audio-concepts tag --json` and `tail --json` print them, one JSON object per line:
 * {"stream", "window_seq", "start_s", "end_s", "concepts": [{"label", "weight"}…], "cosine", "l0", "fit"?, …}
 * (other keys are ignored). Blank lines are allowed; any other line that is not such a frame is an error naming
 * the file and the line. Read in chunks, so files larger than a string can hold are fine.
 */
export function readFramesJsonl(path: string): DriftFrame[] {
  const frames: DriftFrame[] = [];
  let lineNumber = 0;
  forEachLine(path, (line) => {
    lineNumber++;
    if (line.trim() === '') return;
    frames.push(parseFrameLine(line, `${path}:${lineNumber}`));
  });
  return frames;
}

/** One line of `tag --json` as a DriftFrame; `where` ("file:line") starts every error message. */
export function parseFrameLine(line: string, where: string): DriftFrame {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FormatError(`${where}: not a JSON line (${reason}); expected a frame as \`tag --json\` prints it`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FormatError(`${where}: expected a JSON object (a frame as \`tag --json\` prints it)`);
  const o = value as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new FormatError(`${where}: ${what}`);
  };
  const number = (key: string): number => {
    const v = o[key];
    if (v === undefined) return fail(`missing "${key}"`);
    if (typeof v !== 'number' || !Number.isFinite(v))
      return fail(`"${key}" must be a finite number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (typeof o.stream !== 'string') fail(o.stream === undefined ? 'missing "stream"' : '"stream" must be a string');
  const windowSeq = number('window_seq');
  if (!Number.isInteger(windowSeq) || windowSeq < 0) fail(`"window_seq" must be an integer ≥ 0, got ${windowSeq}`);
  const start = number('start_s');
  const end = number('end_s');
  if (end < start) fail(`"end_s" (${end}) is before "start_s" (${start})`);
  const cosine = number('cosine');
  const l0 = number('l0');
  if (!Number.isInteger(l0) || l0 < 0) fail(`"l0" must be an integer ≥ 0, got ${l0}`);
  if (!Array.isArray(o.concepts)) fail(o.concepts === undefined ? 'missing "concepts"' : '"concepts" must be an array');
  const seen = new Set<string>();
  const concepts = (o.concepts as unknown[]).map((c, i) => {
    const concept = c as { label?: unknown; weight?: unknown } | null;
    if (typeof concept !== 'object' || concept === null)
      return fail(`concepts[${i}] must be an object {"label", "weight"}`);
    if (typeof concept.label !== 'string' || concept.label === '')
      return fail(`concepts[${i}] needs a non-empty "label"`);
    const weight = concept.weight;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)
      return fail(`concepts[${i}] ("${concept.label}") needs a "weight" ≥ 0, got ${JSON.stringify(weight)}`);
    if (seen.has(concept.label)) return fail(`concept "${concept.label}" is listed twice`);
    seen.add(concept.label);
    return { label: concept.label, weight };
  });
  const frame: DriftFrame = {
    streamId: o.stream as string,
    windowSeq,
    startMs: Math.round(start * 1000),
    durationMs: Math.round((end - start) * 1000),
    concepts,
    cosine,
    l0,
  };
  if (o.fit !== undefined) frame.fit = number('fit');
  return frame;
}

const CHUNK = 1 << 20;

function forEachLine(path: string, onLine: (line: string) => void): void {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    const decoder = new StringDecoder('utf8');
    let pending = '';
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) break;
      pending += decoder.write(buffer.subarray(0, read));
      let from = 0;
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n', from)) {
        onLine(pending.slice(from, newline).replace(/\r$/, ''));
        from = newline + 1;
      }
      pending = pending.slice(from);
    }
    pending += decoder.end();
    if (pending !== '') onLine(pending.replace(/\r$/, ''));
  } finally {
    closeSync(fd);
  }
}
