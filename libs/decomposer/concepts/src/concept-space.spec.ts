import { createHash } from 'node:crypto';
import { InvalidInputError, NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { checkOptimality, jsMatMul, type MatMul } from '@audio-concepts/decomposer-lasso';
import { afterAll, describe, expect, it } from 'vitest';
import { dotOf, plantedEmbeddings, row, syntheticWorld, unit } from './__fixtures__/synthetic-world';
import { centerConceptDictionary, computeAudioMean } from './concept-dictionary';
import { conceptFit } from './concept-fit';
import { ConceptSpace } from './concept-space';

const world = syntheticWorld();
const { c, d, names, textEmbeddingsCxD: T, referenceNxD, nReference } = world;
const RUNTIME = { threads: 1 };

const spaces: ConceptSpace[] = [];
function build(extra: Partial<Parameters<typeof ConceptSpace.build>[0]> = {}, runtime = RUNTIME): ConceptSpace {
  const space = ConceptSpace.build(
    {
      names,
      textEmbeddingsCxD: T,
      d,
      audioReferenceNxD: referenceNxD,
      modelId: 'synthetic',
      vocabulary: 'test',
      ...extra,
    },
    runtime,
  );
  spaces.push(space);
  return space;
}
afterAll(async () => {
  await Promise.all(spaces.map((s) => s.close()));
});

/** Planted rows: 3 concepts each, coefficients in [0.5, 1.5). */
function plans(count: number, seed: number) {
  const rand = syntheticWorld({ seed }).uniform;
  return Array.from({ length: count }, () => {
    const concepts: number[] = [];
    while (concepts.length < 3) {
      const j = Math.floor(rand() * c);
      if (!concepts.includes(j)) concepts.push(j);
    }
    return { concepts, coefficients: concepts.map(() => 0.5 + rand()) };
  });
}

describe('ConceptSpace.build', () => {
  it('holds C = centered dictionary of T (float32) with unit rows', () => {
    const space = build();
    expect([space.c, space.d]).toEqual([c, d]);
    expect(space.dictionaryCxD).toEqual(Float32Array.from(centerConceptDictionary(T, c, d)));
    for (let j = 0; j < c; j++) expect(Math.hypot(...row(space.dictionaryCxD, j, d))).toBeCloseTo(1, 6);
    expect(space.textEmbeddingsCxD).toEqual(T);
  });

  it('takes m_a as the mean of the normalized reference rows', () => {
    const space = build();
    expect(space.audioMeanSource).toBe('calibration');
    const expected = new Float64Array(d);
    for (let i = 0; i < nReference; i++)
      unit(row(referenceNxD, i, d)).forEach((x, t) => (expected[t] += x / nReference));
    for (let t = 0; t < d; t++) expect(space.audioMeanD[t]).toBeCloseTo(expected[t], 6);
  });

  it('uses m_a = 0 and says so when there is no calibration set', () => {
    const space = build({ audioReferenceNxD: undefined });
    expect(space.audioMeanSource).toBe('none');
    expect(Array.from(space.audioMeanD)).toEqual(new Array(d).fill(0));
  });

  it('accepts a given m_a', () => {
    const m = computeAudioMean(referenceNxD, nReference, d);
    const space = build({ audioReferenceNxD: undefined, audioMeanD: m });
    expect(space.audioMeanSource).toBe('calibration');
    expect(space.audioMeanD).toEqual(Float32Array.from(m));
  });

  it('names concepts concept_<row> when no names are given, and keeps metadata', () => {
    const space = build({ names: undefined, createdAt: '2024-01-02T03:04:05.000Z' });
    expect(space.names.slice(0, 2)).toEqual(['concept_0', 'concept_1']);
    expect(space.metadata).toMatchObject({
      modelId: 'synthetic',
      vocabulary: 'test',
      createdAt: '2024-01-02T03:04:05.000Z',
    });
  });

  it('rejects a names count that does not match the rows of T', () => {
    expect(() => build({ names: names.slice(1) })).toThrow(ShapeMismatchError);
    expect(() => build({ names: names.slice(1) })).toThrow(/39 concept names for 40 concept text embeddings/);
  });

  it('rejects names that cannot be stored one per line', () => {
    const bad = [...names];
    bad[5] = 'rain\nthunder';
    expect(() => build({ names: bad })).toThrow(/concept name 5 is "rain\\nthunder"/);
    bad[5] = '  ';
    expect(() => build({ names: bad })).toThrow(InvalidInputError);
  });

  it('rejects T whose length is not a whole number of rows, and NaN in T', () => {
    expect(() => build({ textEmbeddingsCxD: T.subarray(1) })).toThrow(/not a whole number of rows of d = 16/);
    const nan = T.slice();
    nan[3 * d + 2] = NaN;
    expect(() => build({ textEmbeddingsCxD: nan })).toThrow(NonFiniteValueError);
    expect(() => build({ textEmbeddingsCxD: nan })).toThrow(/concept text embeddings has NaN at row 3, column 2/);
  });

  it('rejects a reference corpus of the wrong width and an m_a that is not a mean of unit vectors', () => {
    expect(() => build({ audioReferenceNxD: referenceNxD.subarray(1) })).toThrow(
      /audio reference embeddings has 3199 values/,
    );
    const big = new Float64Array(d).fill(1);
    expect(() => build({ audioReferenceNxD: undefined, audioMeanD: big })).toThrow(/m_a has norm 4, expected ≤ 1/);
    expect(() => build({ audioMeanD: new Float64Array(d) })).toThrow(
      /either an audio reference corpus or an audio mean/,
    );
  });
});

describe('ConceptSpace.transform', () => {
  const space = build();
  const e = Float64Array.from({ length: 5 * d }, () => world.normal());

  it('gives z = L2(L2(e) − m_a), unit rows', () => {
    const z = space.transform(e, 5);
    for (let i = 0; i < 5; i++) {
      const expected = unit(unit(row(e, i, d)).map((x, t) => x - space.audioMeanD[t]));
      expect(Math.hypot(...row(z, i, d))).toBeCloseTo(1, 14);
      for (let t = 0; t < d; t++) expect(z[i * d + t]).toBeCloseTo(expected[t], 14);
    }
  });

  it('is L2(e) when there is no audio mean', () => {
    const z = build({ audioReferenceNxD: undefined }).transform(e, 5);
    for (let i = 0; i < 5; i++) {
      const expected = unit(row(e, i, d));
      for (let t = 0; t < d; t++) expect(z[i * d + t]).toBeCloseTo(expected[t], 15);
    }
  });

  it('rejects a row whose direction equals m_a, naming the row', () => {
    const only = row(referenceNxD, 0, d);
    const single = build({ audioReferenceNxD: only });
    const input = new Float64Array(2 * d);
    input.set(row(e, 0, d));
    input.set(
      only.map((x) => 2 * x),
      d,
    );
    expect(() => single.transform(input, 2)).toThrow(InvalidInputError);
    expect(() => single.transform(input, 2)).toThrow(/embeddings row 1 equals the audio mean m_a/);
  });

  it('rejects a zero row, a wrong width and NaN before doing anything', () => {
    const zero = e.slice();
    zero.fill(0, 2 * d, 3 * d);
    expect(() => space.transform(zero, 5)).toThrow(/embeddings row 2 is all zeros/);
    expect(() => space.transform(e, 4)).toThrow(ShapeMismatchError);
    expect(() => space.transform(e, 4)).toThrow(/embeddings has 80 values, expected n×d = 4×16 = 64/);
    const nan = e.slice();
    nan[d + 4] = NaN;
    expect(() => space.transform(nan, 5)).toThrow(/embeddings has NaN at row 1, column 4/);
  });
});

describe('ConceptSpace.decompose', () => {
  const space = build();
  const planned = plans(20, 11);
  const embeddings = plantedEmbeddings(space, planned);

  it('recovers the planted concepts at the top, with high fidelity', async () => {
    const result = await space.decompose(embeddings, planned.length, { lambda: 0.01 });
    expect([result.n, result.c, result.d]).toEqual([20, c, d]);
    expect(result.weights.length).toBe(20 * c);
    expect(Array.from(result.converged)).toEqual(new Array(20).fill(1));
    for (let i = 0; i < planned.length; i++) {
      const top = space.topConcepts(result.weights.subarray(i * c, (i + 1) * c), 3);
      expect(top.map((x) => x.index).sort((a, b) => a - b)).toEqual([...planned[i].concepts].sort((a, b) => a - b));
      expect(top.map((x) => x.label)).toEqual(top.map((x) => names[x.index]));
      expect(result.cosine[i]).toBeGreaterThan(0.9);
    }
    expect(Math.min(...result.weights)).toBeGreaterThanOrEqual(0);
  });

  it('satisfies the optimality conditions on z = transform(e)', async () => {
    const lambda = 0.05;
    const result = await space.decompose(embeddings, planned.length, { lambda });
    const z = space.transform(embeddings, planned.length);
    for (let i = 0; i < planned.length; i++) {
      const report = checkOptimality(
        space.dictionaryCxD,
        c,
        d,
        z.subarray(i * d, (i + 1) * d),
        result.weights.subarray(i * c, (i + 1) * c),
        lambda,
      );
      expect(report.minWeight).toBeGreaterThanOrEqual(0);
      expect(report.supportResidual).toBeLessThan(1e-8);
      expect(report.offSupportViolation).toBeLessThan(1e-8);
      expect(report.objective).toBeCloseTo(result.objective[i], 10);
    }
  });

  it('reports r = L2(L2(Cᵀw) + m_a) and its cosine with L2(e)', async () => {
    await expect(space.decompose(embeddings, 3, { lambda: 0.05 })).rejects.toThrow(ShapeMismatchError);
    const three = embeddings.subarray(0, 3 * d);
    const r = await space.decompose(three, 3, { lambda: 0.05 });
    for (let i = 0; i < 3; i++) {
      const u = new Float64Array(d);
      for (let j = 0; j < c; j++)
        for (let t = 0; t < d; t++) u[t] += r.weights[i * c + j] * space.dictionaryCxD[j * d + t];
      const expected = unit(unit(u).map((x, t) => x + space.audioMeanD[t]));
      for (let t = 0; t < d; t++) expect(r.reconstructionsNxD[i * d + t]).toBeCloseTo(expected[t], 13);
      expect(r.cosine[i]).toBeCloseTo(dotOf(expected, unit(row(three, i, d))), 13);
    }
  });

  it('reports the concept fit cos(Cᵀw, z): low for a part no concept has, where the fidelity stays higher', async () => {
    // Concepts e0, e1, e2 (c = 3, d = 6); m_a = 0.8·e5. The unit embedding is m_a plus a concept direction C_0 and as
    // much again along e4, which no concept has: of its own direction (away from m_a), C_0 explains cos 45°.
    const six = (...values: number[]) => Float32Array.from(values);
    const local = build({
      names: ['a', 'b', 'c'],
      textEmbeddingsCxD: six(...[1, 0, 0, 0, 0, 0], ...[0, 1, 0, 0, 0, 0], ...[0, 0, 1, 0, 0, 0]),
      d: 6,
      audioReferenceNxD: undefined,
      audioMeanD: six(0, 0, 0, 0, 0, 0.8),
    });
    const c0 = row(local.dictionaryCxD, 0, 6);
    const a = Math.sqrt(0.18);
    const e = Float32Array.from({ length: 6 }, (_, t) => a * c0[t] + (t === 4 ? a : 0) + (t === 5 ? 0.8 : 0));
    const result = await local.decompose(e, 1, { lambda: 1e-6 });
    expect(result.fit[0]).toBeCloseTo(Math.SQRT1_2, 5);
    // The fidelity gets m_a for free: cos(L2(C_0 + m_a), e) = (a + 0.64) / ‖C_0 + m_a‖ ≈ 0.83.
    expect(result.cosine[0]).toBeCloseTo((a + 0.64) / Math.sqrt(1.64), 5);
    const z = local.transform(e, 1);
    expect(result.fit[0]).toBe(conceptFit(local.dictionaryCxD, 3, 6, result.weights, z, 1)[0]);
  });

  it('gives w = 0 when λ ≥ 2·max_j ⟨C_j, z⟩, and then r = L2(m_a)', async () => {
    const z = space.transform(embeddings.subarray(0, d), 1);
    let best = -Infinity;
    for (let j = 0; j < c; j++) best = Math.max(best, dotOf(row(space.dictionaryCxD, j, d), z));
    const result = await space.decompose(embeddings.subarray(0, d), 1, { lambda: 2 * best * (1 + 1e-9) });
    expect(result.l0[0]).toBe(0);
    expect(Array.from(result.weights)).toEqual(new Array(c).fill(0));
    const expected = unit(space.audioMeanD);
    for (let t = 0; t < d; t++) expect(result.reconstructionsNxD[t]).toBeCloseTo(expected[t], 7);
  });

  it('passes solver options on and rejects a bad λ before solving', async () => {
    await expect(space.decompose(embeddings, 20, { lambda: -1 })).rejects.toThrow(
      /lambda must be a finite number ≥ 0, got -1/,
    );
    await expect(space.decompose(embeddings, 20, { lambda: 0.05, solver: { tol: 0 } })).rejects.toThrow(
      /tol must be > 0/,
    );
  });

  it('runs products through an injected MatMul, with the same results', async () => {
    const calls: string[] = [];
    const counting: MatMul = {
      name: 'counting',
      abt: (a, b) => {
        calls.push(`${a.rows}x${a.cols}·${b.rows}x${b.cols}ᵀ`);
        return jsMatMul.abt(a, b);
      },
    };
    const injected = build({}, { threads: 1, ...{ matmul: counting } });
    const a = await injected.decompose(embeddings, 20, { lambda: 0.05 });
    const b = await space.decompose(embeddings, 20, { lambda: 0.05 });
    expect(calls).toEqual([`${c}x${d}·${c}x${d}ᵀ`, `20x${d}·${c}x${d}ᵀ`]);
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    await injected.decompose(embeddings, 20, { lambda: 0.05 });
    expect(calls.length).toBe(3); // the dictionary (Gram matrix) is built once
  });

  it('keeps working after close()', async () => {
    const before = await space.decompose(embeddings, 20, { lambda: 0.05 });
    await space.close();
    const after = await space.decompose(embeddings, 20, { lambda: 0.05 });
    expect(Array.from(after.weights)).toEqual(Array.from(before.weights));
  });

  it('withAudioMean: decomposes as a space built with that m_a, sharing the solver, which only the original closes', async () => {
    const mean = Float64Array.from(space.audioMeanD, (x, t) => (t % 2 === 0 ? x : -x));
    const derived = space.withAudioMean(mean);
    const built = build({ audioReferenceNxD: undefined, audioMeanD: mean });
    expect(derived.id).toBe(built.id);
    expect(derived.id).not.toBe(space.id);
    const a = await derived.decompose(embeddings, 20, { lambda: 0.05 });
    const b = await built.decompose(embeddings, 20, { lambda: 0.05 });
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    await derived.close();
    const again = await derived.decompose(embeddings, 20, { lambda: 0.05 });
    expect(Array.from(again.weights)).toEqual(Array.from(a.weights));
    expect(() => space.withAudioMean(new Float64Array(d + 1))).toThrow(ShapeMismatchError);
  });

  it('uses worker threads with the same results', async () => {
    const threaded = build({}, { threads: 2 });
    const many = plantedEmbeddings(space, plans(40, 5));
    const a = await threaded.decompose(many, 40, { lambda: 0.05 });
    const b = await space.decompose(many, 40, { lambda: 0.05 });
    await threaded.close();
    for (let i = 0; i < a.weights.length; i++) expect(a.weights[i]).toBeCloseTo(b.weights[i], 10);
  });
});

describe('ConceptSpace.recompose', () => {
  it('maps w = 0 to L2(m_a), or to 0 (cosine 0) without an audio mean', () => {
    const space = build();
    const r = space.recompose(new Float64Array(2 * c), 2);
    const expected = unit(space.audioMeanD);
    for (let t = 0; t < d; t++) expect(r[d + t]).toBeCloseTo(expected[t], 12);
    const bare = build({ audioReferenceNxD: undefined });
    const zero = bare.recompose(new Float64Array(c), 1);
    expect(Array.from(zero)).toEqual(new Array(d).fill(0));
    expect(bare.fidelity(zero, row(T, 0, d), 1)[0]).toBe(0);
  });

  it('is L2(C_j) + m_a renormalized for a single concept, whatever its weight', () => {
    const space = build();
    const w = new Float64Array(c);
    w[7] = 0.3;
    const r = space.recompose(w, 1);
    const expected = unit(
      row(space.dictionaryCxD, 7, d).map(
        (x, t) => x / Math.hypot(...row(space.dictionaryCxD, 7, d)) + space.audioMeanD[t],
      ),
    );
    for (let t = 0; t < d; t++) expect(r[t]).toBeCloseTo(expected[t], 12);
  });

  it('rejects weights of the wrong length', () => {
    expect(() => build().recompose(new Float64Array(c - 1), 1)).toThrow(
      /concept weights has 39 values, expected n×c = 1×40 = 40/,
    );
  });
});

describe('ConceptSpace.topConcepts / groupView', () => {
  const space = build();
  const w = new Float64Array(2 * c);
  w[3] = 0.2;
  w[9] = 0.5;
  w[1] = 0.2;
  w[c + 9] = 0.1;
  w[c + 20] = 0.3;

  it('lists non-zero weights by weight, largest first (index breaks ties), at most k', () => {
    expect(space.topConcepts(w.subarray(0, c))).toEqual([
      { index: 9, label: 'sound 9', weight: 0.5 },
      { index: 1, label: 'sound 1', weight: 0.2 },
      { index: 3, label: 'sound 3', weight: 0.2 },
    ]);
    expect(space.topConcepts(w.subarray(0, c), 1).map((x) => x.index)).toEqual([9]);
    expect(space.topConcepts(new Float64Array(c))).toEqual([]);
    expect(() => space.topConcepts(w.subarray(0, c), -1)).toThrow(/top-k count is -1/);
    expect(() => space.topConcepts(w)).toThrow(/concept weights has 80 values, expected c = 40/);
  });

  it('averages the weights of the chosen rows', () => {
    const view = space.groupView(w, [0, 1]);
    expect(view.count).toBe(2);
    expect(view.meanWeightsC[9]).toBeCloseTo(0.3, 15);
    expect(view.concepts.map((x) => [x.index, x.weight])).toEqual([
      [9, 0.3],
      [20, 0.15],
      [1, 0.1],
      [3, 0.1],
    ]);
    expect(space.groupView(w).meanWeightsC).toEqual(view.meanWeightsC);
    expect(space.groupView(w, [1], 1).concepts).toEqual([{ index: 20, label: 'sound 20', weight: 0.3 }]);
  });

  it('rejects rows out of range and an empty group', () => {
    expect(() => space.groupView(w, [0, 2])).toThrow(
      /row index 2 \(position 1\) is out of range: the weights have 2 rows/,
    );
    expect(() => space.groupView(w, [])).toThrow(/no rows/);
  });
});

describe('ConceptSpace.id', () => {
  it('depends on the content and the model id, not on the other metadata', () => {
    const a = build();
    expect(a.id).toMatch(/^[0-9a-f]{16}$/);
    expect(build({ vocabulary: 'other', createdAt: 'x' }).id).toBe(a.id);
    expect(build({ modelId: 'other' }).id).not.toBe(a.id);
    expect(build({ names: names.map((x) => `${x}!`) }).id).not.toBe(a.id);
    expect(build({ audioReferenceNxD: undefined }).id).not.toBe(a.id);
  });

  it('records the calibration hash: SHA-256 of the float32 calibration embeddings, or "none"', () => {
    const reference = Float32Array.from(referenceNxD);
    const expected = createHash('sha256').update(new Uint8Array(reference.buffer)).digest('hex');
    expect(build().metadata.calibrationHash).toBe(expected);
    expect(build({ audioReferenceNxD: undefined }).metadata.calibrationHash).toBe('none');
  });
});
