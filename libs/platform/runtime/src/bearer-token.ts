import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * What a request presents: its `Authorization` header and, for clients that cannot set headers (WebSocket,
 * EventSource), `?token=`.
 */
export interface Credentials {
  authorization?: string | string[];
  queryToken?: string | string[];
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), else `?token=`, else undefined. */
export function presentedToken(credentials: Credentials): string | undefined {
  const header = single(credentials.authorization);
  if (header !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    return match?.[1];
  }
  return single(credentials.queryToken);
}

/** Compares in constant time (SHA-256 of both, so the lengths do not leak either). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined || given === '') return false;
  return timingSafeEqual(sha256(given), sha256(expected));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * A header or query value given once. A list (`URLSearchParams.getAll`) of exactly one value is that value; an
 * empty list is not given, and a repeated value counts as not given either.
 */
function single(value: string | string[] | undefined): string | undefined {
  if (!Array.isArray(value)) return value;
  return value.length === 1 ? value[0] : undefined;
}
