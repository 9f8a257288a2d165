import { open } from 'node:fs/promises';
import { AudioDecodeError } from './audio-decode.error';
import { readAt } from '@audio-concepts/shared-files';
import { type WavLayout, type WavProbe, type WavSampleFormat, readWavLayout } from './wav.header';

/** Reads the sample stored at byte `offset`, scaled to [-1, 1) as ffmpeg scales it. */
type SampleReader = (view: DataView, offset: number) => number;

const SAMPLE_BYTES: Record<WavSampleFormat, number> = {
  uint8: 1,
  int16: 2,
  int24: 3,
  int32: 4,
  float32: 4,
  float64: 8,
};

/** One reader per sample format (8-bit WAV is unsigned with its midpoint at 128; wider integers are signed). */
const SAMPLE_READERS: Record<WavSampleFormat, SampleReader> = {
  uint8: (view, offset) => (view.getUint8(offset) - 128) / 128,
  int16: (view, offset) => view.getInt16(offset, true) / 32_768,
  int24: (view, offset) => ((view.getInt8(offset + 2) << 16) | view.getUint16(offset, true)) / 8_388_608,
  int32: (view, offset) => view.getInt32(offset, true) / 2_147_483_648,
  float32: (view, offset) => view.getFloat32(offset, true),
  float64: (view, offset) => view.getFloat64(offset, true),
};

/** Reads the header of a local file; for a plain RIFF/WAVE file with readable samples, its layout. */
export async function probeWavFile(path: string, fileBytes: number, uri: string): Promise<WavProbe> {
  const handle = await open(path, 'r');
  try {
    return await readWavLayout(handle, fileBytes, uri);
  } finally {
    await handle.close();
  }
}

/**
 * Streams a WAV file's data chunk as mono float32, `chunkFrames` frames at a time, averaging the channels.
 * Only one chunk of bytes is read at a time; the file is closed when the iteration ends, also on `break`.
 * Float data must be finite: the first NaN or ±Inf is an error naming its sample index.
 */
export async function* readWavSamples(
  path: string,
  layout: WavLayout,
  chunkFrames: number,
  uri: string,
): AsyncGenerator<Float32Array> {
  const { format, channels, blockAlign, dataOffset, frames } = layout;
  const read = SAMPLE_READERS[format];
  const step = SAMPLE_BYTES[format];
  const isFloat = format === 'float32' || format === 'float64';
  const handle = await open(path, 'r');
  try {
    for (let frameStart = 0; frameStart < frames; frameStart += chunkFrames) {
      const n = Math.min(chunkFrames, frames - frameStart);
      const bytes = await readAt(handle, dataOffset + frameStart * blockAlign, n * blockAlign);
      if (bytes.length < n * blockAlign) {
        throw new AudioDecodeError(
          `${uri}: malformed WAV: truncated data: the file ends ${bytes.length} bytes into frame ${frameStart} of ${frames} (it shrank while being read)`,
          { uri },
        );
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out = new Float32Array(n);
      for (let i = 0, offset = 0; i < n; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++, offset += step) sum += read(view, offset);
        out[i] = sum / channels;
        if (isFloat && !Number.isFinite(out[i])) throw nonFiniteError(uri, view, i, frameStart, layout);
      }
      yield out;
    }
  } finally {
    await handle.close();
  }
}

/** Names the sample (and the channel, when there are several) of a NaN or ±Inf in float WAV data. */
function nonFiniteError(uri: string, view: DataView, i: number, frameStart: number, layout: WavLayout) {
  const step = SAMPLE_BYTES[layout.format];
  const values = Array.from({ length: layout.channels }, (_, c) =>
    SAMPLE_READERS[layout.format](view, i * layout.blockAlign + c * step),
  );
  const channel = values.findIndex((v) => !Number.isFinite(v));
  const where = layout.channels > 1 && channel >= 0 ? ` (channel ${channel})` : '';
  const value = channel >= 0 ? String(values[channel]) : 'out of float32 range';
  return new AudioDecodeError(
    `${uri}: sample ${frameStart + i}${where} is ${value}; float WAV samples must be finite`,
    { uri },
  );
}
