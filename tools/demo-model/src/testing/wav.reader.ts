import { readFileSync } from 'node:fs';

/**
 * Reads a 16-bit PCM WAV file (plain or WAVE_FORMAT_EXTENSIBLE, as sox and ffmpeg write them) to float32 samples
 * in [−1, 1), first channel only. Enough for the test sounds; the product decodes with ffmpeg.
 */
export function readWav16(path: string): { samples: Float32Array; sampleRate: number; channels: number } {
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE')
    throw new TypeError(`${path} is not a RIFF/WAVE file`);
  let at = 12;
  let sampleRate = 0;
  let channels = 0;
  let bits = 0;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      const format = buf.readUInt16LE(body);
      channels = buf.readUInt16LE(body + 2);
      sampleRate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
      if ((format !== 1 && format !== 0xfffe) || bits !== 16)
        throw new TypeError(`${path}: format ${format} with ${bits} bits, expected 16-bit PCM`);
    } else if (id === 'data') {
      const frames = Math.floor(Math.min(size, buf.length - body) / (2 * channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = buf.readInt16LE(body + 2 * channels * i) / 32768;
      return { samples, sampleRate, channels };
    }
    at = body + size + (size % 2);
  }
  throw new TypeError(`${path} has no data chunk`);
}
