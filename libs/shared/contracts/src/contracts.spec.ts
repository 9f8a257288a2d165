import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AudioEmbedding,
  AudioWindow,
  ConceptFrame,
  DecomposeRequest,
  DecomposerService,
  TOPICS,
  deadLetterTopic,
} from './index';

/**
 * Wire bytes of sample messages, committed as hex (src/__fixtures__/*.hex): a change to a contract shows up
 * here as a test diff. The first fixture is also checked field by field against the protobuf encoding rules.
 */
const fixture = (name: string) =>
  Buffer.from(readFileSync(join(__dirname, '__fixtures__', name), 'utf8').trim(), 'hex');

const window: AudioWindow = {
  streamId: 'mic-1',
  windowSeq: 3,
  startMs: 30_000,
  durationMs: 10_000,
  sampleRate: 48_000,
  pcm: [0.5, -0.25],
  ingestedAtMs: 1_764_000_000_000,
};

const frame: ConceptFrame = {
  streamId: 'mic-1',
  windowSeq: 3,
  startMs: 30_000,
  durationMs: 10_000,
  conceptSpaceId: '0123456789abcdef',
  headId: '',
  lambda: 0.25,
  concepts: [
    { index: 7, label: 'rain', weight: 0.5 },
    { index: 2, label: 'thunder', weight: 0.125 },
  ],
  cosine: 0.75,
  l0: 2,
  ingestedAtMs: 1_764_000_000_000,
};

describe('AudioWindow', () => {
  it('encodes to the golden bytes and back', () => {
    const bytes = Buffer.from(AudioWindow.encode(window).finish());
    expect(bytes.toString('hex')).toBe(fixture('audio-window.v1.hex').toString('hex'));
    expect(AudioWindow.decode(bytes)).toEqual(window);
  });

  it('uses the field numbers of proto/audio_concepts/v1/audio.proto', () => {
    const bytes = fixture('audio-window.v1.hex');
    // field 1 (stream_id), wire type 2: key 0x0a, length 5, "mic-1"
    expect([...bytes.subarray(0, 7)]).toEqual([0x0a, 5, ...Buffer.from('mic-1')]);
    // field 2 (window_seq) varint 3
    expect([...bytes.subarray(7, 9)]).toEqual([0x10, 3]);
    // field 6 (pcm), packed floats: key 0x32, 8 bytes, 0.5 and -0.25 little-endian
    const at = bytes.indexOf(0x32);
    expect(bytes[at + 1]).toBe(8);
    expect(bytes.readFloatLE(at + 2)).toBe(0.5);
    expect(bytes.readFloatLE(at + 6)).toBe(-0.25);
  });
});

describe('ConceptFrame and AudioEmbedding', () => {
  it('ConceptFrame encodes to the golden bytes and back', () => {
    const bytes = Buffer.from(ConceptFrame.encode(frame).finish());
    expect(bytes.toString('hex')).toBe(fixture('concept-frame.v1.hex').toString('hex'));
    expect(ConceptFrame.decode(bytes)).toEqual(frame);
  });

  it('AudioEmbedding round-trips, and a truncated message is rejected', () => {
    const embedding: AudioEmbedding = {
      streamId: 'mic-1',
      windowSeq: 3,
      startMs: 30_000,
      durationMs: 10_000,
      modelId: 'e7424b39f55b1b82',
      vector: [0.5, 0.5, 0.5, 0.5],
      ingestedAtMs: 1_764_000_000_000,
    };
    const bytes = AudioEmbedding.encode(embedding).finish();
    expect(AudioEmbedding.decode(bytes)).toEqual(embedding);
    expect(() => AudioEmbedding.decode(bytes.subarray(0, bytes.length - 3))).toThrow();
  });
});

describe('Decomposer service and topics', () => {
  it('declares the DESIGN §2 methods', () => {
    expect(Object.keys(DecomposerService)).toEqual(['decompose', 'listConceptSpaces']);
    expect(DecomposerService.decompose.path).toBe('/audio_concepts.v1.Decomposer/Decompose');
    const request = DecomposeRequest.fromPartial({ lambda: 0.25, topK: 5, embeddings: [] }); // 0.25: exact in float32;
    expect(DecomposeRequest.decode(DecomposeRequest.encode(request).finish())).toEqual(request);
  });

  it('names versioned topics and their dead-letter topics', () => {
    expect(Object.values(TOPICS)).toEqual([
      'audio.windows.v1',
      'audio.embeddings.v1',
      'audio.concepts.v1',
      'control.heads.v1',
    ]);
    expect(deadLetterTopic(TOPICS.windows)).toBe('audio.windows.v1.dlq');
  });
});
