import { service as healthService } from 'grpc-health-check';
import { DecomposerService } from '@audio-concepts/shared-contracts';
import { describe, expect, it } from 'vitest';
import { MAX_ID_CHARS, REQUEST_STRING_FIELDS, requestStringProblem } from './grpc-request.limits';

describe('REQUEST_STRING_FIELDS', () => {
  it('names every method the server serves', () => {
    const paths = [
      ...Object.values(DecomposerService).map((method) => method.path),
      ...Object.values(healthService as unknown as Record<string, { path: string }>).map((method) => method.path),
    ];
    expect(paths.length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(REQUEST_STRING_FIELDS).sort()).toEqual(paths.sort());
  });

  it('passes ids up to the limit and names the first field over it', () => {
    const path = '/audio_concepts.v1.Decomposer/Decompose';
    const embedding = { streamId: 's'.repeat(MAX_ID_CHARS), modelId: 'm' };
    expect(requestStringProblem(path, { conceptSpaceId: '', embeddings: [embedding] })).toBeUndefined();
    expect(
      requestStringProblem(path, {
        conceptSpaceId: '',
        embeddings: [embedding, { ...embedding, modelId: 'm'.repeat(200) }],
      }),
    ).toBe('embeddings[1].model_id is 200 characters long; at most 128 are allowed');
    expect(requestStringProblem('/some.Other/Method', {})).toBe(
      '/some.Other/Method has no string limits declared; refusing it',
    );
  });
});
