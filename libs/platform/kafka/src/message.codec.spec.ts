import { AudioWindow, audioWindowWith } from '@audio-concepts/shared-contracts';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MessageDecodeError } from './message.codec';

const TYPE = 'audio_concepts.v1.AudioWindow';

describe('decodeMessage', () => {
  it('round-trips a message', () => {
    const fields = {
      streamId: 's',
      windowSeq: 7,
      startMs: 70_000,
      durationMs: 10_000,
      sampleRate: 48_000,
      ingestedAtMs: 1,
    };
    const window: AudioWindow = audioWindowWith(fields, new Float32Array([0.5, -0.25]));
    expect(decodeMessage(AudioWindow, TYPE, encodeMessage(AudioWindow, window))).toEqual(window);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['an invalid wire type', Buffer.from([0x0f, 0x01])],
    ['truncated', encodeMessage(AudioWindow, { ...AudioWindow.fromPartial({ streamId: 'abcdef' }) }).subarray(0, 4)],
    // 'd' (0x64) reads as an end-group tag: protobuf would stop there and return an empty window
    ['text stopping at a stray end-group tag', Buffer.from('definitely not a protobuf')],
  ])('rejects %s bytes with a MessageDecodeError naming the type', (_, bytes) => {
    expect(() => decodeMessage(AudioWindow, TYPE, bytes)).toThrow(MessageDecodeError);
    expect(() => decodeMessage(AudioWindow, TYPE, bytes)).toThrow(TYPE);
  });
});
