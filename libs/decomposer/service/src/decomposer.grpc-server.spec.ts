import { credentials, Metadata, status } from '@grpc/grpc-js';
import {
  DecomposerClient,
  type ConceptFrame,
  type DecomposeRequest,
  type DecomposeResponse,
} from '@audio-concepts/shared-contracts';
import type { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingsOf, matrixOf, smallSpace } from './__fixtures__/small-space';
import { DECOMPOSER_GRPC_SERVICE, DecomposerGrpcServer, unaryHandler } from './decomposer.grpc-server';
import { DECOMPOSER_METRICS, DecomposerMetrics } from './decomposer.metrics';
import { Decomposer } from './decomposer.service';
import { checkGrpcHealth } from './health.client';
import { grpcError, listConceptSpaces } from './testing';

const DEFAULT_LAMBDA = 0.15;
const MAX_EMBEDDINGS = 50;
const CALL_DEADLINE_MS = 10_000;

function decompose(client: DecomposerClient, request: Partial<DecomposeRequest>): Promise<DecomposeResponse> {
  const full: DecomposeRequest = {
    conceptSpaceId: '',
    lambda: 0,
    topK: 0,
    embeddings: [],
    headId: '',
    maxConcepts: 0,
    ...request,
  };
  return new Promise((resolve, reject) =>
    client.decompose(full, new Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

/** The frames the library gives, as they arrive over the wire (weights, λ, cosine and fit are float32 there). */
async function libraryFrames(
  space: ConceptSpace,
  request: { lambda: number; topK?: number; embeddings: ReturnType<typeof embeddingsOf> },
) {
  const { embeddings, lambda, topK = Infinity } = request;
  const result = await space.decompose(matrixOf(embeddings, space.d), embeddings.length, { lambda });
  return embeddings.map((e, i): ConceptFrame => ({
    streamId: e.streamId,
    windowSeq: e.windowSeq,
    startMs: e.startMs,
    durationMs: e.durationMs,
    conceptSpaceId: space.id,
    headId: '',
    lambda: Math.fround(lambda),
    concepts: space
      .topConcepts(result.weights.subarray(i * space.c, (i + 1) * space.c), topK)
      .map((c) => ({ ...c, weight: Math.fround(c.weight) })),
    cosine: Math.fround(result.cosine[i]),
    l0: result.l0[i],
    ingestedAtMs: e.ingestedAtMs,
    fit: Math.fround(result.fit[i]),
  }));
}

describe('DecomposerGrpcServer', () => {
  const space = smallSpace();
  const registry = new Registry();
  const metrics = new DecomposerMetrics(registry);
  const decomposer = new Decomposer({
    spaces: [space],
    lambda: DEFAULT_LAMBDA,
    maxEmbeddingsPerRequest: MAX_EMBEDDINGS,
    metrics,
  });
  const server = new DecomposerGrpcServer({ decomposer, metrics });
  let address: string;
  let client: DecomposerClient;

  beforeAll(async () => {
    const port = await server.listen('127.0.0.1', 0);
    address = `127.0.0.1:${port}`;
    client = new DecomposerClient(address, credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await server.close();
    await space.close();
  });

  it('Decompose gives the library frames: the default λ for 0, and every non-zero concept for top_k 0', async () => {
    const embeddings = embeddingsOf(9, space.d);
    const response = await decompose(client, { embeddings });
    expect(response.frames).toEqual(await libraryFrames(space, { lambda: DEFAULT_LAMBDA, embeddings }));
    for (const frame of response.frames) expect(frame.concepts).toHaveLength(frame.l0);
    expect(response.frames.some((f) => f.l0 > 5)).toBe(true);
  });

  it('Decompose with a given space id, λ and top_k: the top_k largest, l0 still counting all', async () => {
    const embeddings = embeddingsOf(5, space.d, 17);
    const response = await decompose(client, { conceptSpaceId: space.id, lambda: 0.05, topK: 2, embeddings });
    expect(response.frames).toEqual(await libraryFrames(space, { lambda: Math.fround(0.05), topK: 2, embeddings }));
    expect(response.frames.every((f) => f.concepts.length === 2 && f.l0 > 2)).toBe(true);
    expect(await decompose(client, { embeddings: [] })).toEqual({ frames: [] });
  });

  it('ListConceptSpaces lists the loaded space', async () => {
    expect(await listConceptSpaces(client)).toEqual({
      spaces: [{ id: space.id, modelId: 'small-11', vocabulary: 'test', concepts: 24, dimension: 16 }],
    });
  });

  it('the health service reports SERVING for the server and the Decomposer', async () => {
    expect(await checkGrpcHealth(address)).toBe('SERVING');
    expect(await checkGrpcHealth(address, DECOMPOSER_GRPC_SERVICE)).toBe('SERVING');
    const unknown = await grpcError(checkGrpcHealth(address, 'no.such.Service'));
    expect(unknown.code).toBe(status.NOT_FOUND);
  });

  describe('errors', () => {
    const embeddings = embeddingsOf(3, space.d, 23);

    it('an unknown concept space: NOT_FOUND', async () => {
      const error = await grpcError(decompose(client, { conceptSpaceId: 'feedfacecafebeef', embeddings }));
      expect(error.code).toBe(status.NOT_FOUND);
      expect(error.details).toBe(
        `concept space "feedfacecafebeef" is not loaded here: known space "${space.id}" (or "" for the default)`,
      );
    });

    it('a negative or NaN λ: INVALID_ARGUMENT', async () => {
      const negative = await grpcError(decompose(client, { lambda: -0.5, embeddings }));
      expect(negative.code).toBe(status.INVALID_ARGUMENT);
      expect(negative.details).toBe('lambda is -0.5, expected a finite number > 0 (or 0 for the default 0.15)');
      const nan = await grpcError(decompose(client, { lambda: NaN, embeddings }));
      expect(nan.code).toBe(status.INVALID_ARGUMENT);
      expect(nan.details).toMatch(/^lambda is NaN/);
    });

    it('more embeddings than allowed: INVALID_ARGUMENT', async () => {
      const error = await grpcError(decompose(client, { embeddings: embeddingsOf(MAX_EMBEDDINGS + 1, space.d) }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toBe('51 embeddings in one request, at most 50: split it into smaller requests');
    });

    it('a wrong-dimension embedding: INVALID_ARGUMENT naming it', async () => {
      const bad = [...embeddings];
      bad[1] = { ...bad[1], vector: bad[1].vector.slice(0, 12) };
      const error = await grpcError(decompose(client, { embeddings: bad }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toBe(
        'embeddings[1]: embedding of stream "s1" window 101 has 12 values, expected d = 16 (model small-11)',
      );
    });

    it('an embedding of another model: INVALID_ARGUMENT naming both ids, and a later correct call succeeds', async () => {
      const foreign = embeddingsOf(2, space.d, 29, 'other-model');
      const error = await grpcError(decompose(client, { embeddings: foreign }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toMatch(
        new RegExp(
          `^embeddings\\[0\\]: embedding of stream "s0" window 100 comes from model "other-model", ` +
            `but concept space ${space.id} is for model "small-11"`,
        ),
      );
      const ok = await decompose(client, { embeddings });
      expect(ok.frames).toHaveLength(embeddings.length);
    });

    it('non-finite values and zero vectors: INVALID_ARGUMENT, counting the other rejected ones', async () => {
      const bad = [...embeddings];
      bad[0] = { ...bad[0], vector: bad[0].vector.map((x, t) => (t === 2 ? Infinity : x)) };
      bad[2] = { ...bad[2], vector: new Array(space.d).fill(0) };
      const error = await grpcError(decompose(client, { embeddings: bad }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toBe(
        'embeddings[0]: embedding of stream "s0" window 100 has Infinity at index 2: expected finite values ' +
          "(1 more of the request's embeddings were rejected too)",
      );
    });

    it('a string field over its limit: INVALID_ARGUMENT naming the field and the limit, before any work', async () => {
      const mega = 'x'.repeat(1024 * 1024);
      const longStream = [...embeddings];
      longStream[2] = { ...longStream[2], streamId: mega };
      const stream = await grpcError(decompose(client, { embeddings: longStream }));
      expect(stream.code).toBe(status.INVALID_ARGUMENT);
      expect(stream.details).toBe('embeddings[2].stream_id is 1048576 characters long; at most 128 are allowed');
      const longModel = [{ ...embeddings[0], modelId: 'm'.repeat(129) }];
      const model = await grpcError(decompose(client, { embeddings: longModel }));
      expect(model.code).toBe(status.INVALID_ARGUMENT);
      expect(model.details).toBe('embeddings[0].model_id is 129 characters long; at most 128 are allowed');
      const space = await grpcError(decompose(client, { conceptSpaceId: mega, embeddings }));
      expect(space.code).toBe(status.INVALID_ARGUMENT);
      expect(space.details).toBe('concept_space_id is 1048576 characters long; at most 128 are allowed');
      const health = await grpcError(checkGrpcHealth(address, mega));
      expect(health.code).toBe(status.INVALID_ARGUMENT);
      expect(health.details).toBe('service is 1048576 characters long; at most 128 are allowed');
      // 128 characters are fine
      const longest = [{ ...embeddings[0], streamId: 's'.repeat(128) }];
      expect((await decompose(client, { embeddings: longest })).frames[0].streamId).toBe('s'.repeat(128));
    });

    it('a request over the message size limit: RESOURCE_EXHAUSTED, and the server goes on', async () => {
      const small = new DecomposerGrpcServer({ decomposer, limits: { maxReceiveMessageBytes: 2048 } });
      const port = await small.listen('127.0.0.1', 0);
      const smallClient = new DecomposerClient(`127.0.0.1:${port}`, credentials.createInsecure());
      try {
        // 40 embeddings of 16 float32 values and their fields: ~3.8 kB, over 2048 bytes
        const error = await grpcError(decompose(smallClient, { embeddings: embeddingsOf(40, space.d) }));
        expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
        expect(error.details).toMatch(/Received message larger than max \(\d+ vs 2048\)/);
        const ok = await decompose(smallClient, { embeddings: embeddingsOf(2, space.d) });
        expect(ok.frames).toHaveLength(2);
      } finally {
        smallClient.close();
        await small.close();
      }
    });
  });

  it('counts requests by method and status code, and frames', async () => {
    const text = await registry.metrics();
    expect(text).toContain(`${DECOMPOSER_METRICS.grpcRequests}{method="Decompose",code="OK"} 5`);
    expect(text).toContain(`${DECOMPOSER_METRICS.grpcRequests}{method="Decompose",code="NOT_FOUND"} 1`);
    expect(text).toContain(`${DECOMPOSER_METRICS.grpcRequests}{method="ListConceptSpaces",code="OK"} 1`);
    expect(text).toMatch(
      new RegExp(`${DECOMPOSER_METRICS.grpcRequests}\\{method="Decompose",code="INVALID_ARGUMENT"\\} [1-9]`),
    );
    // 9 + 5 + 3 frames here (the last after a foreign model's request), 1 with a 128-character stream id, and 2 from
    // the size-limited server, which shares the decomposer
    expect(text).toContain(`${DECOMPOSER_METRICS.frames}{transport="grpc"} 20`);
    expect(text).toContain(`${DECOMPOSER_METRICS.l0}_count 20`);
    // refused before any work: three over-long ids, one health check
    expect(text).toContain(`${DECOMPOSER_METRICS.grpcRequests}{method="Check",code="INVALID_ARGUMENT"} 1`);
    expect(text).toContain(`${DECOMPOSER_METRICS.rejected}{transport="grpc",error="ShapeMismatchError"} 1`);
    expect(text).not.toMatch(/stream/);
  });
});

describe('DecomposerGrpcServer with max_concepts (target sparsity)', () => {
  const space = smallSpace();
  const decomposer = new Decomposer({ spaces: [space], lambda: DEFAULT_LAMBDA, maxConcepts: 4 });
  const server = new DecomposerGrpcServer({ decomposer });
  let client: DecomposerClient;

  beforeAll(async () => {
    const port = await server.listen('127.0.0.1', 0);
    client = new DecomposerClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await server.close();
    await space.close();
  });

  it('at most K concepts per frame, each exact at the λ it carries (≥ the asked λ)', async () => {
    const embeddings = embeddingsOf(12, space.d, 23);
    const lambda = 0.05;
    const plain = await decompose(client, { lambda, embeddings });
    expect(plain.frames.some((f) => f.l0 > 3)).toBe(true);
    const capped = await decompose(client, { lambda, maxConcepts: 3, embeddings });
    for (const [i, frame] of capped.frames.entries()) {
      expect(frame.l0).toBeLessThanOrEqual(3);
      expect(frame.concepts).toHaveLength(frame.l0);
      expect(frame.lambda).toBeGreaterThanOrEqual(Math.fround(lambda));
      if (plain.frames[i].l0 <= 3) expect(frame).toEqual(plain.frames[i]);
      else {
        // The frame's λ is the one its solution is exact for: a plain decomposition there gives the same concepts.
        const [again] = (await decompose(client, { lambda: frame.lambda, embeddings: [embeddings[i]] })).frames;
        expect(again.concepts.map((c) => c.index)).toEqual(frame.concepts.map((c) => c.index));
        for (const [k, c] of again.concepts.entries()) expect(c.weight).toBeCloseTo(frame.concepts[k].weight, 4);
      }
    }
    expect(capped.frames.some((f) => f.lambda > Math.fround(lambda))).toBe(true);
  });


  it('0 takes the decomposer default (MAX_CONCEPTS), here 4', async () => {
    const embeddings = embeddingsOf(12, space.d, 29);
    const frames = (await decompose(client, { lambda: 0.02, embeddings })).frames;
    expect(Math.max(...frames.map((f) => f.l0))).toBe(4);
    expect((await decompose(client, { lambda: 0.02, maxConcepts: 9, embeddings })).frames.some((f) => f.l0 > 4)).toBe(
      true,
    );
  });
});

describe('unaryHandler', () => {
  /** The parts of a grpc-js ServerUnaryCall the handler reads. */
  function callOf(options: { cancelled?: boolean; deadline?: number }) {
    return {
      cancelled: options.cancelled ?? false,
      request: { value: 1 },
      getDeadline: () => options.deadline ?? Infinity,
    } as unknown as Parameters<ReturnType<typeof unaryHandler>>[0];
  }

  async function run(call: ReturnType<typeof callOf>, work: () => Promise<unknown>) {
    const registry = new Registry();
    const handler = unaryHandler('Decompose', new DecomposerMetrics(registry), work);
    const answer = await new Promise<{ error: unknown; value: unknown }>((resolve) =>
      handler(call, (error, value) => resolve({ error, value })),
    );
    return { ...answer, metrics: await registry.metrics() };
  }

  it('does not work on a call that is already cancelled or past its deadline', async () => {
    let worked = 0;
    const work = async () => ++worked;
    const cancelled = await run(callOf({ cancelled: true }), work);
    expect(cancelled.error).toEqual({
      code: status.CANCELLED,
      details: 'Decompose: the call ended before the server started on it',
    });
    const late = await run(callOf({ deadline: Date.now() - 1 }), work);
    expect(late.error).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    expect(late.metrics).toContain(`${DECOMPOSER_METRICS.grpcRequests}{method="Decompose",code="DEADLINE_EXCEEDED"} 1`);
    expect(worked).toBe(0);
  });

  it('answers with the work, or with the mapped status of its error', async () => {
    const ok = await run(callOf({ deadline: Date.now() + 60_000 }), async () => ({ frames: [] }));
    expect(ok).toMatchObject({ error: null, value: { frames: [] } });
    const failed = await run(callOf({}), async () => {
      throw new Error('boom');
    });
    expect(failed.error).toEqual({ code: status.INTERNAL, details: 'internal error: boom' });
    expect(failed.metrics).toContain(`${DECOMPOSER_METRICS.grpcRequests}{method="Decompose",code="INTERNAL"} 1`);
  });
});
