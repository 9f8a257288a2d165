import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FormatError } from '@audio-concepts/shared-errors';

/** Where tag counts came from: recorded in the header of a built vocabulary. */
export interface TagSource {
  path: string;
  /** sha256 of the file's bytes (hex) */
  sha256: string;
  format: 'fsd50k-clips-info' | 'tag-counts';
  /** clips read, for FSD50K clip metadata */
  clips?: number;
}

/** Distinct tags with their counts, most frequent first (ties: by name, in code-point order). */
export interface TagCounts {
  tags: string[];
  counts: number[];
  sources: TagSource[];
  /** distinct tags left out because a vocabulary file cannot hold them: they contain `#`, a tab or a line break */
  unwritable: string[];
}

/**
 * A tag as vocabularies hold it: lower-cased, trimmed, runs of white space made one space. The words inside stay
 * joined as the uploader wrote them (Freesound tags use `-` or `_`: `field-recording`); the word checks split there.
 */
export function normalizeTag(raw: string): string {
  return raw.toLowerCase().trim().replace(/\s+/g, ' ');
}

/** The words of a tag: split at spaces, `-` and `_`. */
export function wordsOf(tag: string): string[] {
  return tag.split(/[\s_-]+/).filter((w) => w !== '');
}

const UNWRITABLE = /[#\t\r\n]/;

/**
 * Reads and sums the tag counts of one or more files, each either FSD50K clip metadata
 * (`{"<clip id>": {"tags": ["…", …], …}, …}`, as dev_clips_info_FSD50K.json and eval_clips_info_FSD50K.json; a
 * tag counts once per clip) or a `tag<TAB>count` list (blank lines and lines starting with `#` skipped).
 */
export async function readTagCounts(paths: readonly string[]): Promise<TagCounts> {
  const totals = new Map<string, number>();
  const sources: TagSource[] = [];
  for (const path of paths) {
    const bytes = await readFile(path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    if (text.trimStart().startsWith('{')) {
      const clips = addClipsInfo(text, path, totals);
      sources.push({ path, sha256, format: 'fsd50k-clips-info', clips });
    } else {
      addTagCountLines(text, path, totals);
      sources.push({ path, sha256, format: 'tag-counts' });
    }
  }
  return sortedTagCounts(totals, sources);
}

export function sortedTagCounts(totals: Map<string, number>, sources: TagSource[] = []): TagCounts {
  const unwritable = [...totals.keys()].filter((tag) => UNWRITABLE.test(tag)).sort();
  const entries = [...totals].filter(([tag]) => !UNWRITABLE.test(tag)).sort(byCountThenName);
  return { tags: entries.map(([t]) => t), counts: entries.map(([, c]) => c), sources, unwritable };
}

export function byCountThenName(a: [string, number], b: [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/** Adds one count per clip and distinct tag; returns the number of clips. */
export function addClipsInfo(text: string, source: string, totals: Map<string, number>): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new FormatError(`${source}: not valid JSON (${(cause as Error).message})`, source);
  }
  if (!isRecord(parsed))
    throw new FormatError(`${source}: expected an object of clips, {"<clip id>": {"tags": [...]}}`, source);
  let clips = 0;
  for (const [clip, info] of Object.entries(parsed)) {
    if (!isRecord(info) || !('tags' in info))
      throw new FormatError(`${source}: clip '${clip}': expected {"tags": [...], ...}, got ${describe(info)}`, source);
    const tags = info.tags;
    if (!Array.isArray(tags))
      throw new FormatError(`${source}: clip '${clip}': "tags" is ${describe(tags)}, not a list`, source);
    const seen = new Set<string>();
    tags.forEach((raw, index) => {
      if (typeof raw !== 'string')
        throw new FormatError(`${source}: clip '${clip}': tag ${index + 1} is ${describe(raw)}, not a string`, source);
      const tag = normalizeTag(raw);
      if (tag !== '') seen.add(tag);
    });
    for (const tag of seen) totals.set(tag, (totals.get(tag) ?? 0) + 1);
    clips++;
  }
  return clips;
}

export function addTagCountLines(text: string, source: string, totals: Map<string, number>): void {
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const where = `${source}:${index + 1}`;
    const columns = line.split('\t');
    if (columns.length !== 2)
      throw new FormatError(
        `${where}: expected "tag<TAB>count" or FSD50K clip metadata (JSON), got ${columns.length} column${columns.length === 1 ? '' : 's'}`,
        source,
      );
    const tag = normalizeTag(columns[0]);
    const count = Number(columns[1].trim());
    if (tag === '') throw new FormatError(`${where}: the tag is empty`, source);
    if (columns[1].trim() === '' || !Number.isFinite(count) || count < 0)
      throw new FormatError(`${where}: count '${columns[1].trim()}' is not a number ≥ 0`, source);
    totals.set(tag, (totals.get(tag) ?? 0) + count);
  });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'an object without "tags"';
  return `${typeof x} ${JSON.stringify(x)}`.slice(0, 60);
}
