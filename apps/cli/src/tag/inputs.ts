import { readdirSync, statSync } from 'node:fs';
import { extname, isAbsolute, join } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { InvalidInputError } from '@audio-concepts/shared-errors';

/**
 * The extensions `tag DIR` picks up (case-insensitive): what ffmpeg decodes that is usually audio. Files named
 * otherwise are still taken when given one by one or by a glob.
 */
export const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set(
  ['wav', 'wave', 'mp3', 'flac', 'ogg', 'oga', 'opus', 'm4a', 'aac', 'mp4', 'webm', 'mka', 'wma', 'aif', 'aiff', 'caf', 'wv', 'ac3'] // prettier-ignore
    .map((e) => `.${e}`),
);

/** A folder or glob that gave no file, or a bad one among several: named, and the others go on. */
export class NoInputError extends InvalidInputError {}

/**
 * `tag`'s arguments as the list of inputs to tag, in the order given: a folder becomes its audio files (by
 * extension, recursively, sorted; names starting with a dot are skipped, as macOS `._x.wav` files are not
 * audio), a pattern that is not an existing path becomes the files it matches (sorted), anything else (a file,
 * a URL, `-`) stays as it is. `say` tells how many files a folder or pattern gave.
 */
export function expandInputs(args: readonly string[], say: (message: string) => void): string[] {
  return args.flatMap((arg) => {
    if (arg === '-' || /^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return [arg];
    const stat = statOrUndefined(arg);
    if (stat?.isDirectory()) {
      const files = audioFilesIn(arg);
      if (files.length === 0)
        throw new NoInputError(
          `${arg}: no audio files (looked for ${[...AUDIO_EXTENSIONS].join(' ')} in it and its subfolders)`,
        );
      say(`${arg}: ${files.length} audio file${files.length === 1 ? '' : 's'}`);
      return files;
    }
    if (stat || !isDynamicPattern(arg)) return [arg];
    const files = globSync([arg], { expandDirectories: false, onlyFiles: true, absolute: isAbsolute(arg) }).sort(
      compare,
    );
    if (files.length === 0) throw new NoInputError(`no file matches ${arg}`);
    say(`${arg}: ${files.length} file${files.length === 1 ? '' : 's'}`);
    return files;
  });
}

/** The audio files under `dir`, recursively, as `dir/…` paths sorted by their path below `dir`. */
function audioFilesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const rel = join(sub, entry.name);
      // a link to a file counts; links to folders are not followed (no loops)
      if (entry.isDirectory()) walk(rel);
      else if (AUDIO_EXTENSIONS.has(extname(entry.name).toLowerCase()) && statOrUndefined(join(dir, rel))?.isFile())
        out.push(rel);
    }
  };
  walk('');
  return out.sort(compare).map((rel) => join(dir, rel));
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** By code point, the same on every machine (localeCompare depends on the locale). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
