import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGrpcHealth, decomposeEmbeddings, DECOMPOSER_GRPC_SERVICE } from '@audio-concepts/decomposer-service';
import { launchService, type LaunchedService } from '@audio-concepts/platform-launcher';
import { CLAP_SAMPLE_RATE, openAudio, windowAudio } from '@audio-concepts/ingest-audio';
import {
  DecomposerClient,
  type AudioEmbedding,
  type ConceptFrame,
  DecomposeRequest,
  type DecomposeResponse,
  type ListConceptSpacesResponse,
} from '@audio-concepts/shared-contracts';
import { saveConceptSpace } from '@audio-concepts/decomposer-concepts';
import { openConceptSpace, type OpenedConceptSpace } from '@audio-concepts/pipeline-embedded';
import { freePort, LOG_DIR, REPO_ROOT } from './harness';

/**
 * The built decomposer (apps/decomposer/dist/main.js, gRPC only) against the library: the service loads the stored
 * space of the library's `openConceptSpace` (CONCEPT_SPACE), and embeddings of the demo audio, decomposed over the
 * wire, must give the frames `decomposeEmbeddings` gives here.
 */

const DEMO_MODEL = join(REPO_ROOT, 'models', 'clap-demo');
const EXAMPLES = join(REPO_ROOT, 'examples', 'audio');
const SERVICE_LAMBDA = 0.15;
/** What deployments of older decomposers set: the service now ignores it, and says so in its log. */
const RETIRED_TOP_K = '1';
/** Weights, λ and cosine travel as float32. */
const WIRE_TOLERANCE = 1e-6;
const CALL_DEADLINE_MS = 10_000;

function decompose(client: DecomposerClient, request: Partial<DecomposeRequest>): Promise<DecomposeResponse> {
  const full: DecomposeRequest = DecomposeRequest.fromPartial(request);
  return new Promise((resolve, reject) =>
    client.decompose(full, new Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

function listConceptSpaces(client: DecomposerClient): Promise<ListConceptSpacesResponse> {
  return new Promise((resolve, reject) =>
    client.listConceptSpaces({}, new Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

/** The 10 s windows of every demo file, encoded by the library's encoder. */
async function demoEmbeddings(opened: OpenedConceptSpace): Promise<AudioEmbedding[]> {
  const { encoder } = opened;
  const files = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.wav'))
    .sort();
  const embeddings: AudioEmbedding[] = [];
  for (const file of files) {
    const audio = await openAudio(join(EXAMPLES, file), { sampleRate: CLAP_SAMPLE_RATE });
    for await (const window of windowAudio(audio, { sampleRate: CLAP_SAMPLE_RATE, windowS: 10 })) {
      const vector = await encoder.encodeAudio([window.samples]);
      embeddings.push({
        streamId: file,
        windowSeq: window.seq,
        startMs: Math.round(window.startS * 1000),
        durationMs: Math.round((window.endS - window.startS) * 1000),
        modelId: encoder.modelId,
        vector: Array.from(vector),
        vectorF32le: new Uint8Array(),
        ingestedAtMs: 1_700_000_000_000 + embeddings.length,
      });
    }
  }
  return embeddings;
}

function expectSameFrames(actual: ConceptFrame[], expected: (ConceptFrame | Error)[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((frame, i) => {
    const want = expected[i] as ConceptFrame;
    expect(want).not.toBeInstanceOf(Error);
    const { concepts, cosine, lambda, ...rest } = frame;
    const { concepts: wantConcepts, cosine: wantCosine, lambda: wantLambda, ...wantRest } = want;
    expect(rest).toEqual(wantRest);
    expect(Math.abs(lambda - wantLambda)).toBeLessThanOrEqual(WIRE_TOLERANCE);
    expect(Math.abs(cosine - wantCosine)).toBeLessThanOrEqual(WIRE_TOLERANCE);
    expect(concepts.map((c) => [c.index, c.label])).toEqual(wantConcepts.map((c) => [c.index, c.label]));
    concepts.forEach((c, k) => expect(Math.abs(c.weight - wantConcepts[k].weight)).toBeLessThanOrEqual(WIRE_TOLERANCE));
  });
}

describe('the gRPC Decomposer of the built service', () => {
  const cacheDirs = [mkdtempSync(join(tmpdir(), 'grpc-e2e-service-')), mkdtempSync(join(tmpdir(), 'grpc-e2e-lib-'))];
  let service: LaunchedService | undefined;
  let opened: OpenedConceptSpace | undefined;
  let client: DecomposerClient;
  let address: string;
  let logFile: string;
  let embeddings: AudioEmbedding[];

  beforeAll(async () => {
    const [port, grpcPort] = [await freePort(), await freePort()];
    address = `127.0.0.1:${grpcPort}`;
    opened = await openConceptSpace({ modelPath: DEMO_MODEL, device: 'cpu', cacheDir: cacheDirs[1] });
    const spaceDir = join(cacheDirs[0], 'space');
    logFile = join(LOG_DIR, `decomposer-grpc-${port}.log`);
    await saveConceptSpace(opened.space, spaceDir);
    service = launchService({
      name: 'decomposer-grpc',
      script: join(REPO_ROOT, 'apps', 'decomposer', 'dist', 'main.js'),
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        GRPC_PORT: String(grpcPort),
        DECOMPOSER_KAFKA: 'off',
        CONCEPT_SPACE: spaceDir,
        LAMBDA: String(SERVICE_LAMBDA),
        TOP_K: RETIRED_TOP_K,
      },
      logFile,
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    embeddings = await demoEmbeddings(opened);
    await service.ready(90_000);
    client = new DecomposerClient(address, credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
    await opened?.close();
    for (const dir of cacheDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('reports SERVING on the standard health service', async () => {
    expect(await checkGrpcHealth(address)).toBe('SERVING');
    expect(await checkGrpcHealth(address, DECOMPOSER_GRPC_SERVICE)).toBe('SERVING');
  });

  it('lists the concept space the library builds from the same model', async () => {
    const space = opened!.space;
    expect(await listConceptSpaces(client)).toEqual({
      spaces: [
        { id: space.id, modelId: space.metadata.modelId, vocabulary: 'demo', concepts: space.c, dimension: space.d },
      ],
    });
  });

  it('Decompose gives the library frames (λ 0.15, top_k 0: every non-zero concept, whatever TOP_K says)', async () => {
    expect(embeddings.length).toBeGreaterThanOrEqual(8);
    const response = await decompose(client, { embeddings });
    const expected = await decomposeEmbeddings(opened!.space, embeddings, { lambda: SERVICE_LAMBDA });
    expectSameFrames(response.frames, expected);
    expect(response.frames.every((f) => f.concepts.length > 0 && f.conceptSpaceId === opened!.space.id)).toBe(true);
    expect(response.frames.every((f) => f.concepts.length === f.l0)).toBe(true);
    expect(response.frames.some((f) => f.l0 > Number(RETIRED_TOP_K))).toBe(true);
    expect(readFileSync(logFile, 'utf8')).toContain(
      `TOP_K=${RETIRED_TOP_K} is ignored: frames carry every non-zero concept (l0 of them)`,
    );
  });

  it('Decompose with a λ and top-K of the request', async () => {
    const response = await decompose(client, { conceptSpaceId: opened!.space.id, lambda: 0.05, topK: 2, embeddings });
    // The request's λ is a float32 on the wire: the service decomposes with exactly that value.
    const expected = await decomposeEmbeddings(opened!.space, embeddings, { lambda: Math.fround(0.05), topK: 2 });
    expectSameFrames(response.frames, expected);
  });

  it('rejects a wrong-dimension embedding with INVALID_ARGUMENT and stays up', async () => {
    const bad = [...embeddings.slice(0, 2), { ...embeddings[2], vector: embeddings[2].vector.slice(0, 100) }];
    let error: ServiceError | undefined;
    try {
      await decompose(client, { embeddings: bad });
    } catch (e) {
      error = e as ServiceError;
    }
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toBe(
      `embeddings[2]: embedding of stream ${JSON.stringify(embeddings[2].streamId)} window ${embeddings[2].windowSeq} ` +
        `has 100 values, expected d = 512 (model ${opened!.space.metadata.modelId})`,
    );
    expect(service!.running).toBe(true);
    const after = await decompose(client, { embeddings: embeddings.slice(0, 2) });
    expect(after.frames.map((f) => f.windowSeq)).toEqual(embeddings.slice(0, 2).map((e) => e.windowSeq));
  });

  it('rejects an embedding of another model with INVALID_ARGUMENT naming both ids; a later correct call succeeds', async () => {
    const foreign = [embeddings[0], { ...embeddings[1], modelId: 'feedfacecafebeef' }];
    let error: ServiceError | undefined;
    try {
      await decompose(client, { embeddings: foreign });
    } catch (e) {
      error = e as ServiceError;
    }
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toBe(
      `embeddings[1]: embedding of stream ${JSON.stringify(embeddings[1].streamId)} window ${embeddings[1].windowSeq} ` +
        `comes from model "feedfacecafebeef", but concept space ${opened!.space.id} is for model ` +
        `"${opened!.space.metadata.modelId}"`,
    );
    const after = await decompose(client, { embeddings: embeddings.slice(0, 2) });
    expect(after.frames.map((f) => f.windowSeq)).toEqual(embeddings.slice(0, 2).map((e) => e.windowSeq));
  });

  it('rejects a 1 MB stream_id with INVALID_ARGUMENT naming the field and its limit, and stays up', async () => {
    const huge = [embeddings[0], { ...embeddings[1], streamId: 'x'.repeat(1024 * 1024) }];
    let error: ServiceError | undefined;
    try {
      await decompose(client, { embeddings: huge });
    } catch (e) {
      error = e as ServiceError;
    }
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toBe('embeddings[1].stream_id is 1048576 characters long; at most 128 are allowed');
    expect(service!.running).toBe(true);
    const after = await decompose(client, { embeddings: embeddings.slice(0, 2) });
    expect(after.frames.map((f) => f.windowSeq)).toEqual(embeddings.slice(0, 2).map((e) => e.windowSeq));
  });
});
