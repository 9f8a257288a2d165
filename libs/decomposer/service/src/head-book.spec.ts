import { ProjectionHead } from '@audio-concepts/decomposer-concepts';
import { HeadVersion, StreamGroups, type ConceptFrame } from '@audio-concepts/shared-contracts';
import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { gaussian, mulberry32 } from '@audio-concepts/shared-random';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddingsOf, matrixOf, smallSpace } from './__fixtures__/small-space';
import { UnknownHeadError } from './decomposer.errors';
import { Decomposer } from './decomposer.service';
import { HeadBook } from './head-book';

const space = smallSpace();
const d = space.d;
afterAll(() => space.close());

/** A head near the identity (seeded), with m_a over some embeddings projected by it. */
function headOf(seed: number): ProjectionHead {
  const normal = gaussian(mulberry32(seed));
  const H = Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0) + 0.3 * normal());
  return ProjectionHead.withReference(H, d, matrixOf(embeddingsOf(20, d, seed), d), 20);
}

function versionOf(head: ProjectionHead, conceptSpaceId = space.id): HeadVersion {
  return HeadVersion.fromPartial({
    headId: head.id,
    conceptSpaceId,
    dimension: head.d,
    matrix: Array.from(head.matrixDxD),
    audioMean: Array.from(head.audioMeanD ?? []),
  });
}

describe('HeadBook', () => {
  it('takes a HeadVersion whose id is its matrix hash; refuses a corrupt one, another space, another dimension', () => {
    const book = new HeadBook(space);
    const head = headOf(1);
    expect(book.addVersion(versionOf(head)).id).toBe(head.id);
    expect(book.has(head.id)).toBe(true);

    const corrupt = versionOf(headOf(2));
    corrupt.matrix[5] += 1e-3;
    expect(() => book.addVersion(corrupt)).toThrow(/hashes to [0-9a-f]{16} \(corrupt or changed in transit\)/);
    const nan = versionOf(headOf(3));
    nan.matrix[0] = NaN;
    expect(() => book.addVersion(nan)).toThrow(/projection head/);
    expect(() => book.addVersion(versionOf(headOf(4), 'ffffffffffffffff'))).toThrow(
      `is for concept space ffffffffffffffff; this decomposer decomposes over ${space.id}`,
    );
    expect(() => book.addVersion({ ...versionOf(head), dimension: d + 1 })).toThrow(ShapeMismatchError);
    const small = new ProjectionHead(Float64Array.from([1, 0, 0, 1]), 2);
    expect(() => book.add(small)).toThrow(`head ${small.id} is 2 × 2; embeddings of concept space`);
    expect(book.ids()).toEqual([head.id]);
  });

  it('activates a known head per stream group, refuses an unknown one, and rolls back', () => {
    const book = new HeadBook(space, StreamGroups.parse('s1=street', 'STREAM_GROUPS'));
    const [a, b] = [book.add(headOf(1)), book.add(headOf(2))];
    expect(() => book.activate('street', 'feedfacefeedface')).toThrow(UnknownHeadError);
    book.activate('street', a.id);
    book.activate('street', b.id);
    expect(book.liveHead('street')).toBe(b.id);
    book.activate('street', a.id); // rollback
    const headOfStream = book.snapshot();
    expect(headOfStream('s1')).toBe(a);
    expect(headOfStream('s0')).toBeUndefined();
    book.activate('street', '');
    expect(book.liveHead('street')).toBe('');
    expect(headOfStream('s1')).toBe(a); // a snapshot keeps the choice it was taken with
    expect(book.snapshot()('s1')).toBeUndefined();
  });
});

describe('Decomposer with heads', () => {
  const embeddings = embeddingsOf(9, d, 21); // streams s0, s1, s2

  it("decomposes each stream through its group's live head, in one batch; frames carry the head id", async () => {
    const book = new HeadBook(space, StreamGroups.parse('s1=street', 'STREAM_GROUPS'));
    const decomposer = new Decomposer({ spaces: [space], lambda: 0.05, heads: book });
    const plain = (await decomposer.decomposeBatch(embeddings)) as ConceptFrame[];
    expect(plain.map((f) => f.headId)).toEqual(new Array(9).fill(''));

    const live = book.add(headOf(7));
    book.activate('street', live.id);
    const frames = (await decomposer.decomposeBatch(embeddings)) as ConceptFrame[];
    expect(frames.map((f) => [f.streamId, f.windowSeq])).toEqual(embeddings.map((e) => [e.streamId, e.windowSeq]));
    frames.forEach((frame, i) => {
      expect(frame.conceptSpaceId).toBe(space.id);
      if (frame.streamId === 's1') {
        expect(frame.headId).toBe(live.id);
        expect(frame.concepts).not.toEqual(plain[i].concepts);
      } else expect(frame).toEqual(plain[i]);
    });
  });

  it('a head activated while a batch is decomposed applies from the next batch on', async () => {
    const book = new HeadBook(space);
    const decomposer = new Decomposer({ spaces: [space], lambda: 0.05, heads: book });
    const live = book.add(headOf(8));
    const inFlight = decomposer.decomposeBatch(embeddings);
    book.activate('default', live.id);
    expect(((await inFlight) as ConceptFrame[]).every((f) => f.headId === '')).toBe(true);
    expect(((await decomposer.decomposeBatch(embeddings)) as ConceptFrame[]).every((f) => f.headId === live.id)).toBe(
      true,
    );
  });

  it('a gRPC request may name a known head; an unknown one is NOT_FOUND-worthy', async () => {
    const book = new HeadBook(space);
    const decomposer = new Decomposer({ spaces: [space], lambda: 0.05, heads: book });
    const live = book.add(headOf(9));
    const request = { conceptSpaceId: '', lambda: 0, topK: 0, embeddings, headId: live.id, maxConcepts: 0 };
    const frames = await decomposer.decompose(request);
    expect(frames.every((f) => f.headId === live.id)).toBe(true);
    await expect(decomposer.decompose({ ...request, headId: '0000000000000000' })).rejects.toThrow(UnknownHeadError);
    await expect(decomposer.decompose({ ...request, headId: '' })).resolves.toHaveLength(9);
    expect(
      () => new Decomposer({ spaces: [space], lambda: 0.05, heads: new HeadBook(smallSpace({ seed: 3 })) }),
    ).toThrow(InvalidInputError);
  });
});
