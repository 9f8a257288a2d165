import { Metadata, type ServiceError } from '@grpc/grpc-js';
import type { DecomposerClient, ListConceptSpacesResponse } from '@audio-concepts/shared-contracts';

/** Test helpers for gRPC callers of the decomposer (`@audio-concepts/decomposer-service/testing`). */

const DEADLINE_MS = 10_000;

/** Metadata carrying `authorization: <value>` (`Bearer <token>` for a token); none when `value` is undefined. */
export function authorization(value?: string): Metadata {
  const metadata = new Metadata();
  if (value !== undefined) metadata.set('authorization', value);
  return metadata;
}

/** `ListConceptSpaces` as a promise, with `metadata` and a 10 s deadline. */
export function listConceptSpaces(
  client: DecomposerClient,
  metadata = new Metadata(),
): Promise<ListConceptSpacesResponse> {
  return new Promise((resolve, reject) =>
    client.listConceptSpaces({}, metadata, { deadline: Date.now() + DEADLINE_MS }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

/** The gRPC error `call` fails with; throws when it succeeds. */
export async function grpcError(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded, expected a gRPC error');
}
