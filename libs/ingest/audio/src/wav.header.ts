import type { FileHandle } from 'node:fs/promises';
import { readAt } from '@audio-concepts/shared-files';
import { AudioDecodeError } from './audio-decode.error';

/** How one sample is stored: the format tag (after WAVE_FORMAT_EXTENSIBLE is resolved) and its container size. */
export type WavSampleFormat = 'uint8' | 'int16' | 'int24' | 'int32' | 'float32' | 'float64';

/** Where a WAV file's samples are and how to read them, from its RIFF header. */
export interface WavLayout {
  format: WavSampleFormat;
  channels: number;
  sampleRate: number;
  /** Bytes per frame (one sample of every channel). */
  blockAlign: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Number of frames in the data chunk. */
  frames: number;
}

/**
 * What the header says: not a RIFF/WAVE file at all, a WAV whose sample encoding we do not read natively
 * (ADPCM, A-law, 12-bit, …: ffmpeg reads those), or a layout to stream.
 */
export type WavProbe =
  { kind: 'not-wav' } | { kind: 'unsupported'; reason: string } | { kind: 'wav'; layout: WavLayout };

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** A data size of 0xFFFFFFFF is what streaming writers (ffmpeg to a pipe) leave: "up to the end of the file". */
const SIZE_UNKNOWN = 0xffffffff;
/** The longest fmt body we look at: the 40-byte WAVE_FORMAT_EXTENSIBLE layout. */
const FMT_READ_BYTES = 40;

/** Sample formats read natively, by format tag and container bytes per sample. */
const SAMPLE_FORMATS: Record<number, Record<number, WavSampleFormat>> = {
  [WAVE_FORMAT_PCM]: { 1: 'uint8', 2: 'int16', 3: 'int24', 4: 'int32' },
  [WAVE_FORMAT_IEEE_FLOAT]: { 4: 'float32', 8: 'float64' },
};

function ascii(bytes: Uint8Array, start: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + 4));
}

interface FmtChunk {
  formatTag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

function parseFmt(body: Uint8Array, declaredSize: number, uri: string): FmtChunk {
  const malformed = (problem: string) => new AudioDecodeError(`${uri}: malformed WAV: ${problem}`, { uri });
  if (declaredSize < 16) throw malformed(`fmt chunk size ${declaredSize} is too small (at least 16)`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let formatTag = view.getUint16(0, true);
  const channels = view.getUint16(2, true);
  const sampleRate = view.getUint32(4, true);
  const blockAlign = view.getUint16(12, true);
  const bitsPerSample = view.getUint16(14, true);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    if (declaredSize < 40 || view.getUint16(16, true) < 22) {
      throw malformed(`WAVE_FORMAT_EXTENSIBLE fmt chunk of ${declaredSize} bytes lacks its 22-byte extension`);
    }
    // The SubFormat GUID begins with the plain format tag (KSDATAFORMAT_SUBTYPE_PCM = 0x0001-0000-0010-…).
    formatTag = view.getUint16(24, true);
  }
  if (channels === 0) throw malformed('fmt chunk declares 0 channels');
  if (sampleRate === 0) throw malformed('fmt chunk declares a sample rate of 0 Hz');
  if (blockAlign === 0 || blockAlign % channels !== 0) {
    throw malformed(`block align ${blockAlign} is not a whole number of bytes per channel for ${channels} channels`);
  }
  return { formatTag, channels, sampleRate, blockAlign, bitsPerSample };
}

/**
 * Reads the RIFF chunk list up to the data chunk, one chunk header at a time (chunks before the data, such
 * as a large LIST or bext, are skipped, never read), and checks every size against the file's size.
 * A bad size or a data chunk longer than the file is an `AudioDecodeError` naming `uri`.
 */
export async function readWavLayout(handle: FileHandle, fileBytes: number, uri: string): Promise<WavProbe> {
  const malformed = (problem: string) => new AudioDecodeError(`${uri}: malformed WAV: ${problem}`, { uri });
  const riff = await readAt(handle, 0, 12);
  if (riff.length < 12 || ascii(riff, 0) !== 'RIFF' || ascii(riff, 8) !== 'WAVE') return { kind: 'not-wav' };

  let fmt: FmtChunk | undefined;
  let position = 12;
  for (;;) {
    const header = await readAt(handle, position, 8);
    if (header.length < 8) {
      throw malformed(`no ${fmt ? 'data' : 'fmt'} chunk before the end of the file (${fileBytes} bytes)`);
    }
    const id = ascii(header, 0);
    const size = new DataView(header.buffer).getUint32(4, true);
    const bodyStart = position + 8;
    if (id === 'fmt ') {
      if (bodyStart + size > fileBytes) {
        throw malformed(
          `fmt chunk size ${size} at byte ${position} runs past the end of the file (${fileBytes} bytes)`,
        );
      }
      fmt = parseFmt(await readAt(handle, bodyStart, Math.min(size, FMT_READ_BYTES)), size, uri);
    } else if (id === 'data') {
      if (!fmt) throw malformed('data chunk comes before the fmt chunk');
      return dataLayout(fmt, bodyStart, size, fileBytes, malformed);
    } else if (bodyStart + size > fileBytes) {
      throw malformed(
        `chunk '${id}' size ${size} at byte ${position} runs past the end of the file (${fileBytes} bytes)`,
      );
    }
    // Chunks are padded to an even number of bytes.
    position = bodyStart + size + (size % 2);
  }
}

function dataLayout(
  fmt: FmtChunk,
  dataOffset: number,
  declaredBytes: number,
  fileBytes: number,
  malformed: (problem: string) => AudioDecodeError,
): WavProbe {
  const available = fileBytes - dataOffset;
  let dataBytes = declaredBytes;
  if (declaredBytes === SIZE_UNKNOWN) {
    dataBytes = available - (available % fmt.blockAlign);
  } else if (declaredBytes > available) {
    throw malformed(`truncated data: the data chunk declares ${declaredBytes} bytes but the file holds ${available}`);
  } else if (declaredBytes % fmt.blockAlign !== 0) {
    throw malformed(`data chunk size ${declaredBytes} is not a whole number of ${fmt.blockAlign}-byte frames`);
  }
  const bytesPerSample = fmt.blockAlign / fmt.channels;
  const format = SAMPLE_FORMATS[fmt.formatTag]?.[bytesPerSample];
  if (format === undefined || fmt.bitsPerSample > bytesPerSample * 8) {
    return {
      kind: 'unsupported',
      reason: `format tag 0x${fmt.formatTag.toString(16).padStart(4, '0')}, ${fmt.bitsPerSample} bits in ${bytesPerSample} bytes`,
    };
  }
  const { channels, sampleRate, blockAlign } = fmt;
  return {
    kind: 'wav',
    layout: { format, channels, sampleRate, blockAlign, dataOffset, frames: dataBytes / blockAlign },
  };
}
