import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { readPcmParams } from './pcm.params';
import { QueryReader, readFeedPosition } from './query.params';

const reader = (query: string) => new QueryReader(new URLSearchParams(query));

describe('readPcmParams', () => {
  it('reads the declared format, rate and channels, with defaults', () => {
    const query = reader('format=s16le&rate=16000&channels=2');
    expect(readPcmParams(query)).toEqual({ format: 's16le', rate: 16_000, channels: 2 });
    query.check();
    expect(readPcmParams(reader('rate=44100'))).toEqual({ format: 'f32le', rate: 44_100, channels: 1 });
  });

  it('lists every problem in one error', () => {
    const query = reader('format=mp3&channels=0&channels=1');
    readPcmParams(query);
    expect(() => query.check()).toThrow(
      new InvalidInputError(
        'bad query parameters: format="mp3" is not one of f32le, s16le; rate is required (an integer in [1000, 384000]); channels is given 2 times; channels="0" is not an integer in [1, 8]',
      ),
    );
  });

  it.each(['rate=16k', 'rate=-16000', 'rate=1e4', 'rate=999', 'rate=400000', 'rate=16000&channels=9'])(
    'rejects %s',
    (text) => {
      const query = reader(text);
      readPcmParams(query);
      expect(() => query.check()).toThrow(/is not an integer in/);
    },
  );
});

describe('readFeedPosition', () => {
  it('reads optional seq_start and start_ms', () => {
    expect(readFeedPosition(reader(''))).toEqual({ nextSeq: undefined, nextStartMs: undefined });
    expect(readFeedPosition(reader('seq_start=42&start_ms=35000'))).toEqual({ nextSeq: 42, nextStartMs: 35_000 });
    const bad = reader('seq_start=-1');
    readFeedPosition(bad);
    expect(() => bad.check()).toThrow(
      'bad query parameters: seq_start="-1" is not an integer in [0, 9007194959773695]',
    );
  });

  it('refuses positions whose windows could pass 2^53, where numbers repeat', () => {
    expect(readFeedPosition(reader('seq_start=9007194959773695')).nextSeq).toBe(2 ** 53 - 2 ** 32 - 1);
    const near = reader('seq_start=9007199254740990&start_ms=9007199254740990');
    readFeedPosition(near);
    expect(() => near.check()).toThrow(
      'bad query parameters: seq_start="9007199254740990" is not an integer in [0, 9007194959773695]; start_ms="9007199254740990" is not an integer in [0, 9007194959773695]',
    );
  });
});
