import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError } from '@audio-concepts/shared-errors';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPullSources, parsePullSources } from './pull-source.config';

describe('loadPullSources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pull-sources-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads URL and file sources; files relative to the JSON file', async () => {
    const path = join(dir, 'sources.json');
    writeFileSync(
      path,
      JSON.stringify([
        { stream: 'radio-1', url: 'http://radio.example/live.mp3' },
        { stream: 'archive', file: 'audio/a.wav', restart: false },
        { stream: 'abs', file: '/data/b.flac' },
      ]),
    );
    expect(await loadPullSources(path)).toEqual([
      { stream: 'radio-1', input: 'http://radio.example/live.mp3', restart: true },
      { stream: 'archive', input: join(dir, 'audio/a.wav'), restart: false },
      { stream: 'abs', input: '/data/b.flac', restart: true },
    ]);
  });

  it('says when the file is missing or not JSON', async () => {
    await expect(loadPullSources(join(dir, 'none.json'))).rejects.toThrow(
      /cannot read the pull sources file .*none.json/,
    );
    writeFileSync(join(dir, 'bad.json'), '[{');
    await expect(loadPullSources(join(dir, 'bad.json'))).rejects.toThrow(/bad.json is not valid JSON/);
  });

  it('lists every problem of the entries in one FormatError', () => {
    const entries = [
      { stream: 'a b', url: 'http://x' },
      { stream: 'ok' },
      { stream: 'ok', url: 'http://x', file: '/f' },
      { stream: 'u', url: 'not a url', restart: 'yes', extra: 1 },
      42,
    ];
    let error: unknown;
    try {
      parsePullSources(entries, 's.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toBe(
      'bad pull sources in s.json: source 0: "stream" must be a stream id (1 to 128 of A-Z a-z 0-9 . _ : -), got "a b"; ' +
        'source 1 must have exactly one of "url" and "file"; source 2: stream "ok" is configured twice; ' +
        'source 2 must have exactly one of "url" and "file"; source 3 has an unknown key "extra"; ' +
        'source 3: "url" must be a URL such as http://host/stream, got "not a url"; ' +
        'source 3: "restart" must be true or false, got "yes"; source 4 is not an object',
    );
    expect(() => parsePullSources({ stream: 'a' }, 's.json')).toThrow('must hold a JSON array of sources');
  });
});
