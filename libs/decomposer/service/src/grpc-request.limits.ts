import { status, type ServerInterceptor } from '@grpc/grpc-js';
import type { DecomposeRequest } from '@audio-concepts/shared-contracts';
import { refusingInterceptor, type OnRefused } from './grpc.interceptors';

/**
 * The longest value, in characters, of every string field of every request: ids all (a stream id is at most 128
 * characters at ingest, concept space and model ids are short hashes). Checked before any work, so that a huge id
 * costs nothing and is never copied into frames, logs or metrics.
 */
export const MAX_ID_CHARS = 128;

type StringFields = (request: never) => Iterable<[field: string, value: string]>;

/** The string fields of each method's request, by method path; a method that is not here is refused. */
export const REQUEST_STRING_FIELDS: Readonly<Record<string, StringFields>> = {
  '/audio_concepts.v1.Decomposer/Decompose': function* (request: DecomposeRequest) {
    yield ['concept_space_id', request.conceptSpaceId];
    yield ['head_id', request.headId];
    for (const [i, embedding] of request.embeddings.entries()) {
      yield [`embeddings[${i}].stream_id`, embedding.streamId];
      yield [`embeddings[${i}].model_id`, embedding.modelId];
    }
  },
  '/audio_concepts.v1.Decomposer/ListConceptSpaces': function* () {},
  '/grpc.health.v1.Health/Check': function* (request: { service: string }) {
    yield ['service', request.service];
  },
  '/grpc.health.v1.Health/Watch': function* (request: { service: string }) {
    yield ['service', request.service];
  },
  '/grpc.health.v1.Health/List': function* () {},
};

/** Why `request` (of the method at `path`) is refused: the first string field over `MAX_ID_CHARS`. */
export function requestStringProblem(path: string, request: unknown): string | undefined {
  const fields = REQUEST_STRING_FIELDS[path];
  if (!fields) return `${path} has no string limits declared; refusing it`;
  for (const [field, value] of (fields as (request: unknown) => Iterable<[string, string]>)(request))
    if (typeof value === 'string' && value.length > MAX_ID_CHARS)
      return `${field} is ${value.length} characters long; at most ${MAX_ID_CHARS} are allowed`;
  return undefined;
}

/** Refuses a request with a string field over its limit: INVALID_ARGUMENT naming the field and the limit. */
export function stringLimitsInterceptor(onRefused?: OnRefused): ServerInterceptor {
  return refusingInterceptor(status.INVALID_ARGUMENT, { message: requestStringProblem }, onRefused);
}
