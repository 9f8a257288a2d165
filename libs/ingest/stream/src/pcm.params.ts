import type { QueryReader } from './query.params';

/** Raw PCM sample encodings a live stream may send: little-endian float32 in [-1, 1] or signed 16-bit. */
export const PCM_FORMATS = ['f32le', 's16le'] as const;
export type PcmFormat = (typeof PCM_FORMATS)[number];

/** What a live stream declares: `?format=f32le|s16le&rate=16000&channels=1` (interleaved channels). */
export interface PcmParams {
  format: PcmFormat;
  rate: number;
  channels: number;
}

export const PCM_LIMITS = { rate: { min: 1_000, max: 384_000 }, channels: { min: 1, max: 8 } } as const;

/** Bytes per sample of each format. */
export const PCM_SAMPLE_BYTES: Record<PcmFormat, number> = { f32le: 4, s16le: 2 };

/** `format` (default f32le), `rate` (required) and `channels` (default 1). Problems go to the reader. */
export function readPcmParams(query: QueryReader): PcmParams {
  return {
    format: query.oneOf('format', PCM_FORMATS, 'f32le'),
    rate: query.int('rate', PCM_LIMITS.rate, 48_000),
    channels: query.optionalInt('channels', PCM_LIMITS.channels) ?? 1,
  };
}

export function describePcm(params: PcmParams): string {
  return `${params.format} ${params.rate} Hz × ${params.channels}`;
}
