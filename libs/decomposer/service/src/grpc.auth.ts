import { createHash, timingSafeEqual } from 'node:crypto';
import { status, type Metadata, type ServerInterceptor } from '@grpc/grpc-js';
import { refusingInterceptor, type OnRefused } from './grpc.interceptors';

/** Calls that need no token: the standard health service (probes and load balancers send none; it tells nothing). */
const OPEN_SERVICE = '/grpc.health.v1.Health/';

/**
 * Refuses every call (but health checks) whose metadata lacks `authorization: Bearer <token>` with this token:
 * UNAUTHENTICATED, saying what is wrong (never what the token is).
 */
export function bearerTokenInterceptor(token: string, onRefused?: OnRefused): ServerInterceptor {
  const expected = digest(token);
  return refusingInterceptor(
    status.UNAUTHENTICATED,
    { metadata: (path, metadata) => (path.startsWith(OPEN_SERVICE) ? undefined : tokenProblem(metadata, expected)) },
    onRefused,
  );
}

function tokenProblem(metadata: Metadata, expected: Buffer): string | undefined {
  const values = metadata.get('authorization');
  if (values.length === 0)
    return "no bearer token: send the metadata 'authorization: Bearer <token>' (the decomposer's DECOMPOSER_TOKEN)";
  if (values.length > 1) return 'more than one authorization metadata; send one';
  const match = /^Bearer +(\S+) *$/i.exec(String(values[0]));
  if (!match) return "the authorization metadata is not 'Bearer <token>'";
  // Digests of equal length, compared in constant time: the answer's timing tells nothing about the token.
  return timingSafeEqual(digest(match[1]), expected) ? undefined : 'the bearer token is not valid';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
