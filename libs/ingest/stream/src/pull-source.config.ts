import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FormatError } from '@audio-concepts/shared-errors';
import { STREAM_ID_PATTERN } from './stream-id';

/** A configured pull source: audio ingest reads itself, from a URL (ffmpeg: http(s), Icecast, rtsp, …) or a file. */
export interface PullSource {
  stream: string;
  /** the URL or the absolute path, as given to `openAudio` */
  input: string;
  /** read it again (with backoff) when it ends or fails; default true */
  restart: boolean;
}

/**
 * Reads INGEST_SOURCES: a JSON array of `{"stream": "radio-1", "url": "http://…"}` or `{"stream": "…", "file":
 * "/path"}`, each with an optional `"restart": false`. Relative file paths are relative to the JSON file.
 * Every problem is reported at once, in one `FormatError`.
 */
export async function loadPullSources(path: string): Promise<PullSource[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FormatError(`cannot read the pull sources file ${path}: ${(error as Error).message}`, path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`the pull sources file ${path} is not valid JSON: ${(error as Error).message}`, path);
  }
  return parsePullSources(json, path);
}

export function parsePullSources(json: unknown, path: string): PullSource[] {
  if (!Array.isArray(json)) {
    throw new FormatError(`the pull sources file ${path} must hold a JSON array of sources`, path);
  }
  const problems: string[] = [];
  const sources: PullSource[] = [];
  const seen = new Set<string>();
  json.forEach((entry: unknown, i) => {
    const where = `source ${i}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where} is not an object`);
      return;
    }
    const { stream, url, file, restart, ...rest } = entry as Record<string, unknown>;
    for (const key of Object.keys(rest)) problems.push(`${where} has an unknown key ${JSON.stringify(key)}`);
    if (typeof stream !== 'string' || !STREAM_ID_PATTERN.test(stream)) {
      problems.push(
        `${where}: "stream" must be a stream id (1 to 128 of A-Z a-z 0-9 . _ : -), got ${JSON.stringify(stream)}`,
      );
    } else if (seen.has(stream)) {
      problems.push(`${where}: stream ${JSON.stringify(stream)} is configured twice`);
    } else {
      seen.add(stream);
    }
    const given = [url, file].filter((x) => x !== undefined).length;
    if (given !== 1) problems.push(`${where} must have exactly one of "url" and "file"`);
    if (url !== undefined && (typeof url !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(url))) {
      problems.push(`${where}: "url" must be a URL such as http://host/stream, got ${JSON.stringify(url)}`);
    }
    if (file !== undefined && (typeof file !== 'string' || file === '')) {
      problems.push(`${where}: "file" must be a path, got ${JSON.stringify(file)}`);
    }
    if (restart !== undefined && typeof restart !== 'boolean') {
      problems.push(`${where}: "restart" must be true or false, got ${JSON.stringify(restart)}`);
    }
    if (typeof stream === 'string' && (typeof url === 'string' || typeof file === 'string')) {
      const input = typeof url === 'string' ? url : resolve(dirname(path), file as string);
      sources.push({ stream, input, restart: restart !== false });
    }
  });
  if (problems.length > 0) throw new FormatError(`bad pull sources in ${path}: ${problems.join('; ')}`, path);
  return sources;
}
