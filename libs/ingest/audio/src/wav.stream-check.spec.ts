import { describe, expect, it } from 'vitest';
import { describeWavTruncation, WavStreamCheck } from './wav.stream-check';

/** A 16-bit mono 48 kHz WAV declaring `declaredBytes` of samples, holding `heldBytes`, with a LIST chunk first. */
function wav(declaredBytes: number, heldBytes: number): Buffer {
  const list = Buffer.concat([Buffer.from('LIST'), u32(5), Buffer.from('INFOx\0')]); // odd size: one pad byte
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8); // PCM
  fmt.writeUInt16LE(1, 10); // mono
  fmt.writeUInt32LE(48_000, 12);
  fmt.writeUInt32LE(96_000, 16);
  fmt.writeUInt16LE(2, 20); // block align
  fmt.writeUInt16LE(16, 22);
  const data = Buffer.concat([Buffer.from('data'), u32(declaredBytes)]);
  const body = Buffer.concat([list, fmt, data, Buffer.alloc(heldBytes)]);
  return Buffer.concat([Buffer.from('RIFF'), u32(body.length + 4), Buffer.from('WAVE'), body]);
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
}

/** Feeds `bytes` in pieces of `size`. */
function check(bytes: Buffer, size: number): WavStreamCheck {
  const sut = new WavStreamCheck();
  for (let i = 0; i < bytes.length; i += size) sut.push(bytes.subarray(i, i + size));
  return sut;
}

describe('WavStreamCheck', () => {
  it('finds a WAV that holds less than its header declares, whatever the pieces', () => {
    for (const size of [1, 7, 64, 1 << 20]) {
      expect(check(wav(960_000, 960), size).truncation()).toEqual({
        declaredBytes: 960_000,
        receivedBytes: 960,
        bytesPerSecond: 96_000,
      });
    }
  });

  it('passes a complete WAV, one of unknown size, and anything that is not a WAV', () => {
    expect(check(wav(960, 960), 100).truncation()).toBeUndefined();
    expect(check(wav(0xffffffff, 960), 100).truncation()).toBeUndefined();
    expect(check(wav(0, 960), 100).truncation()).toBeUndefined();
    expect(check(Buffer.from('fLaC and then some more bytes'), 3).truncation()).toBeUndefined();
    expect(new WavStreamCheck().truncation()).toBeUndefined();
  });

  it('says what was declared and what came, in bytes and seconds', () => {
    const truncation = check(wav(960_000, 960), 64).truncation();
    expect(truncation && describeWavTruncation(truncation, 'the request body')).toBe(
      'the request body is a truncated WAV: its header declares 960000 bytes of samples (10 s) but it holds 960 (0.01 s); the audio it holds was used',
    );
  });
});
