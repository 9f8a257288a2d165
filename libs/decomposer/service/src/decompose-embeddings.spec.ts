import type { AudioEmbedding, ConceptFrame } from '@audio-concepts/shared-contracts';
import { ProjectionHead, type ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { InvalidInputError, NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { embeddingsOf, matrixOf, smallSpace } from './__fixtures__/small-space';
import { decomposeEmbeddings } from './decompose-embeddings';
import { HeadBook } from './head-book';

const spaces: ConceptSpace[] = [];
function track(space: ConceptSpace): ConceptSpace {
  spaces.push(space);
  return space;
}
afterAll(async () => {
  await Promise.all(spaces.map((s) => s.close()));
});

/** What the frames must be: the library's batched decomposition of `embeddings`, every non-zero concept or the top k. */
async function expectedFrames(
  space: ConceptSpace,
  embeddings: AudioEmbedding[],
  lambda: number,
  topK = Infinity,
  inputs: ArrayLike<number> = matrixOf(embeddings, space.d),
) {
  const result = await space.decompose(inputs, embeddings.length, { lambda });
  return embeddings.map((e, i): ConceptFrame => ({
    streamId: e.streamId,
    windowSeq: e.windowSeq,
    startMs: e.startMs,
    durationMs: e.durationMs,
    conceptSpaceId: space.id,
    headId: '',
    lambda: Math.fround(lambda), // float32, as on the wire
    concepts: space
      .topConcepts(result.weights.subarray(i * space.c, (i + 1) * space.c), topK)
      .map((c) => ({ ...c, weight: Math.fround(c.weight) })),
    cosine: Math.fround(result.cosine[i]),
    l0: result.l0[i],
    ingestedAtMs: e.ingestedAtMs,
    fit: Math.fround(result.fit[i]),
  }));
}

describe('decomposeEmbeddings', () => {
  const space = track(smallSpace());
  const embeddings = embeddingsOf(7, space.d);

  it('gives the library decomposition and top-k of each embedding, in order, carrying the window through', async () => {
    const frames = await decomposeEmbeddings(space, embeddings, { lambda: 0.15, topK: 3 });
    expect(frames).toEqual(await expectedFrames(space, embeddings, 0.15, 3));
    const first = frames[0] as ConceptFrame;
    expect(first.concepts.length).toBeGreaterThan(0);
    expect(first.concepts.length).toBeLessThanOrEqual(3);
    expect(frames.some((f) => (f as ConceptFrame).l0 > 3)).toBe(true);
    for (const frame of frames as ConceptFrame[]) {
      expect(frame.fit).toBeGreaterThan(0);
      expect(frame.fit).toBeLessThanOrEqual(1);
    }
    for (const frame of frames as ConceptFrame[])
      for (let k = 1; k < frame.concepts.length; k++)
        expect(frame.concepts[k - 1].weight).toBeGreaterThanOrEqual(frame.concepts[k].weight);
  });

  it('decomposes the whole batch in one call of the concept space', async () => {
    const decompose = vi.spyOn(space, 'decompose');
    try {
      await decomposeEmbeddings(space, embeddings, { lambda: 0.1, topK: 5 });
      expect(decompose).toHaveBeenCalledTimes(1);
      expect(decompose.mock.calls[0][1]).toBe(embeddings.length);
    } finally {
      decompose.mockRestore();
    }
  });

  it('without topK a frame carries every non-zero concept, largest first: l0 is their count', async () => {
    const frames = (await decomposeEmbeddings(space, embeddings, { lambda: 0.05 })) as ConceptFrame[];
    expect(frames).toEqual(await expectedFrames(space, embeddings, 0.05));
    const result = await space.decompose(matrixOf(embeddings, space.d), embeddings.length, { lambda: 0.05 });
    frames.forEach((frame, i) => {
      const row = Array.from(result.weights.subarray(i * space.c, (i + 1) * space.c));
      const support = row.flatMap((w, j) => (w > 0 ? [j] : []));
      expect(frame.l0).toBe(support.length);
      expect(frame.concepts.map((c) => c.index).sort((a, b) => a - b)).toEqual(support);
      for (let k = 1; k < frame.concepts.length; k++)
        expect(frame.concepts[k - 1].weight).toBeGreaterThanOrEqual(frame.concepts[k].weight);
    });
    expect(frames.some((f) => f.l0 > 5)).toBe(true);
    const infinite = await decomposeEmbeddings(space, embeddings, { lambda: 0.05, topK: Infinity });
    expect(infinite).toEqual(frames);
  });

  it("with a projection head decomposes H·L2(e) over the head's m_a, and the frames name the head", async () => {
    const d = space.d;
    // H: the identity plus a seeded perturbation; m_a over the embeddings projected by it
    let seed = 3;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const H = Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0) + 0.2 * random());
    const head = ProjectionHead.withReference(H, d, matrixOf(embeddings, d), embeddings.length);
    const live = new HeadBook(space).add(head, space.id);
    const frames = (await decomposeEmbeddings(space, embeddings, { lambda: 0.05, head: live })) as ConceptFrame[];
    const projected = head.project(matrixOf(embeddings, d), embeddings.length);
    const expected = await expectedFrames(space.withAudioMean(head.audioMeanD!), embeddings, 0.05, Infinity, projected);
    expect(frames).toEqual(expected.map((frame) => ({ ...frame, conceptSpaceId: space.id, headId: head.id })));
    const plain = (await decomposeEmbeddings(space, embeddings, { lambda: 0.05 })) as ConceptFrame[];
    expect(frames.map((f) => f.concepts)).not.toEqual(plain.map((f) => f.concepts));
  });

  it('reports each bad embedding in its slot and still decomposes the others in one call', async () => {
    const bad = embeddingsOf(6, space.d, 9);
    bad[1] = { ...bad[1], vector: bad[1].vector.slice(0, 10) };
    bad[2] = { ...bad[2], vector: [] };
    bad[3] = { ...bad[3], vector: bad[3].vector.map((x, t) => (t === 4 ? NaN : x)) };
    bad[4] = { ...bad[4], vector: new Array(space.d).fill(0) };
    const decompose = vi.spyOn(space, 'decompose');
    let results: (ConceptFrame | Error)[];
    try {
      results = await decomposeEmbeddings(space, bad, { lambda: 0.15 });
      expect(decompose).toHaveBeenCalledTimes(1);
    } finally {
      decompose.mockRestore();
    }
    const good = await expectedFrames(space, [bad[0], bad[5]], 0.15);
    expect(results[0]).toEqual(good[0]);
    expect(results[5]).toEqual(good[1]);

    expect(results[1]).toBeInstanceOf(ShapeMismatchError);
    expect((results[1] as Error).message).toBe(
      `embedding of stream "s1" window 101 has 10 values, expected d = 16 (model small-11)`,
    );
    expect([(results[1] as ShapeMismatchError).expected, (results[1] as ShapeMismatchError).actual]).toEqual([
      [16],
      [10],
    ]);
    expect(results[2]).toBeInstanceOf(ShapeMismatchError);
    expect((results[2] as Error).message).toBe(
      `embedding of stream "s2" window 102 is empty: expected d = 16 values (model small-11)`,
    );
    expect(results[3]).toBeInstanceOf(NonFiniteValueError);
    expect((results[3] as Error).message).toBe(
      'embedding of stream "s0" window 103 has NaN at index 4: expected finite values',
    );
    expect([(results[3] as NonFiniteValueError).row, (results[3] as NonFiniteValueError).column]).toEqual([3, 4]);
    expect(results[4]).toBeInstanceOf(InvalidInputError);
    expect((results[4] as Error).message).toBe(
      'embedding of stream "s1" window 104 is all zeros: there is nothing to decompose',
    );
  });

  it('refuses an embedding of another model (InvalidInputError naming both ids) and decomposes the others', async () => {
    const batch = embeddingsOf(3, space.d, 31);
    batch[1] = { ...batch[1], modelId: 'other-model' };
    const results = await decomposeEmbeddings(space, batch, { lambda: 0.15 });
    const good = await expectedFrames(space, [batch[0], batch[2]], 0.15);
    expect([results[0], results[2]]).toEqual(good);
    expect(results[1]).toBeInstanceOf(InvalidInputError);
    expect((results[1] as Error).message).toBe(
      `embedding of stream "s1" window 101 comes from model "other-model", but concept space ${space.id} is for model "small-11"`,
    );
  });

  it('names an embedding the space refuses (equal to m_a) and keeps the frames of the others', async () => {
    // m_a of norm 1: an embedding along m_a has z = L2(L2(e) − m_a) undefined.
    const meanD = Float64Array.from({ length: space.d }, (_, t) => (t === 0 ? 1 : 0));
    const unitMeanSpace = track(smallSpace({ audioMeanD: meanD }));
    const batch = embeddingsOf(3, space.d, 21);
    batch[1] = { ...batch[1], vector: Array.from({ length: space.d }, (_, t) => (t === 0 ? 2 : 0)) };
    const results = await decomposeEmbeddings(unitMeanSpace, batch, { lambda: 0.15 });
    const good = await expectedFrames(unitMeanSpace, [batch[0], batch[2]], 0.15);
    expect(results[0]).toEqual(good[0]);
    expect(results[2]).toEqual(good[1]);
    expect(results[1]).toBeInstanceOf(InvalidInputError);
    expect((results[1] as Error).message).toMatch(
      /^embedding of stream "s1" window 101: embeddings row 0 equals the audio mean m_a after normalization/,
    );
  });

  it('returns nothing for no embeddings, and rejects a bad lambda or topK as a whole', async () => {
    expect(await decomposeEmbeddings(space, [], { lambda: 0.15, topK: 5 })).toEqual([]);
    await expect(decomposeEmbeddings(space, embeddings, { lambda: -1, topK: 5 })).rejects.toThrow(
      'lambda is -1, expected a finite number ≥ 0',
    );
    await expect(decomposeEmbeddings(space, embeddings, { lambda: NaN, topK: 5 })).rejects.toThrow(InvalidInputError);
    await expect(decomposeEmbeddings(space, embeddings, { lambda: 0.1, topK: 1.5 })).rejects.toThrow(
      'topK is 1.5, expected an integer ≥ 1 (or none for every non-zero concept)',
    );
    await expect(decomposeEmbeddings(space, embeddings, { lambda: 0.1, topK: 0 })).rejects.toThrow(
      'topK is 0, expected an integer ≥ 1 (or none for every non-zero concept)',
    );
  });
});
