import { endianness } from 'node:os';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import type { AudioEmbedding, AudioWindow } from './generated/audio_concepts/v1/audio';

/**
 * How producers write float arrays (PCM, embedding vectors): `v2` as little-endian float32 `bytes`, read back as
 * typed-array views; `v1` as protobuf packed `repeated float` (one boxed JS number per value). Consumers read both,
 * so a rolling upgrade loses nothing: upgrade every consumer, then switch producers to v2 (the default).
 */
export type WireFormat = 'v1' | 'v2';
export const WIRE_FORMATS: readonly WireFormat[] = ['v1', 'v2'];
export const DEFAULT_WIRE_FORMAT: WireFormat = 'v2';

const FLOAT32 = Float32Array.BYTES_PER_ELEMENT;

/**
 * The float32 values of little-endian `bytes`: a view of the same memory when it is 4-byte aligned, else one
 * bulk copy (a Kafka message may start at any offset of its fetch buffer). `what` names the field in errors.
 */
export function float32FromBytes(bytes: Uint8Array, what: string): Float32Array {
  checkLittleEndian();
  if (bytes.byteLength % FLOAT32 !== 0)
    throw new InvalidInputError(`${what} has ${bytes.byteLength} bytes, not a whole number of float32 values`);
  if (bytes.byteOffset % FLOAT32 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / FLOAT32);
  const copy = new Uint8Array(bytes.byteLength); // not bytes.slice(): a Buffer's slice shares its memory
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/** The bytes of `values` as v2 writes them (a view, no copy). */
export function float32Bytes(values: Float32Array): Uint8Array {
  checkLittleEndian();
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** The window's PCM, whichever format it came in. */
export function pcmOf(window: AudioWindow): Float32Array {
  return floatsOf(window.pcmF32le, window.pcm, `window ${JSON.stringify(window.streamId)}/${window.windowSeq}`, 'pcm');
}

/** The embedding's vector, whichever format it came in. */
export function vectorOf(embedding: AudioEmbedding): Float32Array {
  const name = `embedding of stream ${JSON.stringify(embedding.streamId)} window ${embedding.windowSeq}`;
  return floatsOf(embedding.vectorF32le, embedding.vector, name, 'vector');
}

/** `fields` with `pcm` in the producer's wire format. */
export function audioWindowWith(
  fields: Omit<AudioWindow, 'pcm' | 'pcmF32le'>,
  pcm: Float32Array,
  format: WireFormat = DEFAULT_WIRE_FORMAT,
): AudioWindow {
  return format === 'v2'
    ? { ...fields, pcm: [], pcmF32le: float32Bytes(pcm) }
    : { ...fields, pcm: Array.from(pcm), pcmF32le: new Uint8Array(0) };
}

/** `fields` with `vector` in the producer's wire format. */
export function audioEmbeddingWith(
  fields: Omit<AudioEmbedding, 'vector' | 'vectorF32le'>,
  vector: Float32Array,
  format: WireFormat = DEFAULT_WIRE_FORMAT,
): AudioEmbedding {
  return format === 'v2'
    ? { ...fields, vector: [], vectorF32le: float32Bytes(vector) }
    : { ...fields, vector: Array.from(vector), vectorF32le: new Uint8Array(0) };
}

/** A WIRE_FORMAT setting: 'v1' or 'v2'. */
export function parseWireFormat(value: string): WireFormat {
  if ((WIRE_FORMATS as readonly string[]).includes(value)) return value as WireFormat;
  throw new InvalidInputError(`wire format '${value}': expected one of ${WIRE_FORMATS.join(', ')}`);
}

function floatsOf(v2: Uint8Array | undefined, v1: number[] | undefined, name: string, field: string): Float32Array {
  const hasV2 = v2 !== undefined && v2.byteLength > 0;
  const hasV1 = v1 !== undefined && v1.length > 0;
  if (hasV2 && hasV1) throw new InvalidInputError(`${name} sets both ${field} (v1) and ${field}_f32le (v2)`);
  if (hasV2) return float32FromBytes(v2, `${name} ${field}_f32le`);
  return Float32Array.from(v1 ?? []);
}

let littleEndian: boolean | undefined;
function checkLittleEndian(): void {
  littleEndian ??= endianness() === 'LE';
  if (!littleEndian) throw new Error('wire format v2 is little-endian float32; this host is big-endian');
}
