import { readFramesJsonl, type DriftFrame } from '@audio-concepts/metrics-drift';
import { FormatError, InvalidInputError } from '@audio-concepts/shared-errors';

/**
 * The frames of a `tag --json` / `tail --json` file given as `--reference` or `--current`; an empty file, or one
 * with fewer frames than the test needs, is an error that says so.
 */
export function readFrameFile(path: string, flag: '--reference' | '--current', minimum: number): DriftFrame[] {
  const frames = readFramesJsonl(path);
  if (frames.length === 0)
    throw new FormatError(`${flag} ${path} has no frames (the file is empty); expected lines of \`tag --json\``, path);
  if (frames.length < minimum)
    throw new InvalidInputError(
      `${flag} ${path} has ${frames.length} frame${frames.length === 1 ? '' : 's'}; the drift test needs at least ${minimum}`,
    );
  return frames;
}
