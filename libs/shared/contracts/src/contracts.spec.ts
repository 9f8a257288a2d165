import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AudioEmbedding,
  AudioWindow,
  ConceptFrame,
  DecomposeRequest,
  DecomposerService,
  DriftEvent,
  DriftEventKind,
  TOPICS,
  audioEmbeddingWith,
  audioWindowWith,
  deadLetterTopic,
  float32FromBytes,
  pcmOf,
  vectorOf,
} from './index';

/**
 * Wire bytes of sample messages, committed as hex (src/__fixtures__/*.hex): a change to a contract shows up
 * here as a test diff. The first fixture is also checked field by field against the protobuf encoding rules.
 */
const fixture = (name: string) =>
  Buffer.from(readFileSync(join(__dirname, '__fixtures__', name), 'utf8').trim(), 'hex');

const windowFields = {
  streamId: 'mic-1',
  windowSeq: 3,
  startMs: 30_000,
  durationMs: 10_000,
  sampleRate: 48_000,
  ingestedAtMs: 1_764_000_000_000,
};
const samples = new Float32Array([0.5, -0.25]);
const window: AudioWindow = audioWindowWith(windowFields, samples, 'v1');
const windowV2: AudioWindow = audioWindowWith(windowFields, samples, 'v2');

const embeddingFields = {
  streamId: 'mic-1',
  windowSeq: 3,
  startMs: 30_000,
  durationMs: 10_000,
  modelId: 'e7424b39f55b1b82',
  ingestedAtMs: 1_764_000_000_000,
};
const unitVector = new Float32Array([0.5, 0.5, 0.5, 0.5]);

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

describe('wire format v2: float32 bytes', () => {
  it('AudioWindow v2 encodes to the golden bytes: field 8, 4 little-endian bytes per sample, no field 6', () => {
    const bytes = Buffer.from(AudioWindow.encode(windowV2).finish());
    expect(bytes.toString('hex')).toBe(fixture('audio-window.v2.hex').toString('hex'));
    const at = bytes.indexOf(0x42); // field 8, wire type 2
    expect(bytes[at + 1]).toBe(8);
    expect([bytes.readFloatLE(at + 2), bytes.readFloatLE(at + 6)]).toEqual([0.5, -0.25]);
    expect(bytes.includes(0x32)).toBe(false);
  });

  it('v1 and v2 messages give the same samples and vectors', () => {
    const v1 = AudioWindow.decode(fixture('audio-window.v1.hex'));
    const v2 = AudioWindow.decode(fixture('audio-window.v2.hex'));
    expect(pcmOf(v1)).toEqual(samples);
    expect(pcmOf(v2)).toEqual(samples);
    const e1 = AudioEmbedding.decode(fixture('audio-embedding.v1.hex'));
    const e2 = AudioEmbedding.decode(fixture('audio-embedding.v2.hex'));
    expect(vectorOf(e1)).toEqual(unitVector);
    expect(vectorOf(e2)).toEqual(unitVector);
    expect({ ...e1, vector: [] }).toEqual({ ...e2, vectorF32le: new Uint8Array(0) });
  });

  it('AudioEmbedding encodes to the golden bytes in both formats', () => {
    for (const format of ['v1', 'v2'] as const) {
      const bytes = Buffer.from(
        AudioEmbedding.encode(audioEmbeddingWith(embeddingFields, unitVector, format)).finish(),
      );
      expect(bytes.toString('hex')).toBe(fixture(`audio-embedding.${format}.hex`).toString('hex'));
    }
  });

  it('reads v2 bytes as a view without copying when aligned, and copies once when not', () => {
    const buffer = new Uint8Array(12);
    new Float32Array(buffer.buffer).set([1, 2, 3]);
    const aligned = float32FromBytes(buffer.subarray(4, 12), 'test');
    expect(aligned.buffer).toBe(buffer.buffer);
    expect([...aligned]).toEqual([2, 3]);
    const odd = new Uint8Array(13);
    odd.set(buffer, 1);
    const copied = float32FromBytes(odd.subarray(5, 13), 'test');
    expect(copied.buffer).not.toBe(odd.buffer);
    expect([...copied]).toEqual([2, 3]);
  });

  it('names a message with a partial float or with both formats set', () => {
    expect(() => float32FromBytes(new Uint8Array(6), 'window "s"/0 pcm_f32le')).toThrow(
      'window "s"/0 pcm_f32le has 6 bytes, not a whole number of float32 values',
    );
    expect(() => pcmOf({ ...windowV2, pcm: [1] })).toThrow('window "mic-1"/3 sets both pcm (v1) and pcm_f32le (v2)');
  });
});

describe('ConceptFrame and AudioEmbedding', () => {
  it('ConceptFrame encodes to the golden bytes and back', () => {
    const bytes = Buffer.from(ConceptFrame.encode(frame).finish());
    expect(bytes.toString('hex')).toBe(fixture('concept-frame.v1.hex').toString('hex'));
    expect(ConceptFrame.decode(bytes)).toEqual(frame);
  });

  it('ConceptFrame with a fit: the frame without one plus field 12 (fixed32) at the end, and back', () => {
    const withFit: ConceptFrame = { ...frame, fit: 0.5 };
    const bytes = Buffer.from(ConceptFrame.encode(withFit).finish());
    expect(bytes.toString('hex')).toBe(fixture('concept-frame.v2.hex').toString('hex'));
    expect(ConceptFrame.decode(bytes)).toEqual(withFit);
    // A reader that predates field 12 reads the same bytes up to it: the whole older frame.
    const before = fixture('concept-frame.v1.hex');
    expect(bytes.subarray(0, before.length)).toEqual(before);
    expect([...bytes.subarray(before.length)]).toEqual([(12 << 3) | 5, 0, 0, 0, 0x3f]);
    // A frame from an older decomposer has no fit (not a fit of 0), and a fit of 0 is sent.
    expect(ConceptFrame.decode(before).fit).toBeUndefined();
    expect(ConceptFrame.decode(ConceptFrame.encode({ ...frame, fit: 0 }).finish()).fit).toBe(0);
  });

  it('AudioEmbedding round-trips, and a truncated message is rejected', () => {
    const embedding = audioEmbeddingWith(embeddingFields, unitVector, 'v1');
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
      'audio.stream-positions.v1',
      'audio.drift.v1',
      'audio.metrics-state.v1',
    ]);
    expect(deadLetterTopic(TOPICS.windows)).toBe('audio.windows.v1.dlq');
  });

  it('round-trips a DriftEvent with its changed concepts and signals', () => {
    const event = DriftEvent.fromPartial({
      streamGroup: 'street',
      kind: DriftEventKind.DRIFT_EVENT_KIND_ALARM,
      statistic: 7.5,
      threshold: 4.25,
      changeFrameIndex: 412,
      changed: [{ label: 'siren', referenceRate: 0.1, currentRate: 0.3, q: 0.001 }],
      signals: [{ name: 'cosine', referenceMean: 0.9, currentMean: 0.7, q: 0.002, changed: true }],
      alarmNumber: 3,
    });
    const back = DriftEvent.decode(DriftEvent.encode(event).finish());
    expect(back.streamGroup).toBe('street');
    expect(back.kind).toBe(DriftEventKind.DRIFT_EVENT_KIND_ALARM);
    expect(back.changeFrameIndex).toBe(412);
    expect(back.changed[0]).toMatchObject({ label: 'siren', currentRate: expect.closeTo(0.3, 6) });
    expect(back.signals[0]).toMatchObject({ name: 'cosine', changed: true });
    expect(back.alarmNumber).toBe(3);
  });
});
