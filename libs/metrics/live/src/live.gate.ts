import { presentedToken, tokenMatches } from '@audio-concepts/platform-runtime';
import type { Request } from 'express';

/**
 * The live page's token check, the same as ingest's: `Authorization: Bearer <token>` or `?token=<token>` (an
 * EventSource cannot set headers), compared in constant time. Without a configured token everything is open.
 */
export class LiveGate {
  private readonly token: string | undefined;

  constructor(token: string | undefined) {
    this.token = token === '' ? undefined : token;
  }

  get open(): boolean {
    return this.token === undefined;
  }

  /** Why `request` may not in, or undefined when it may. */
  refusal(request: Request): string | undefined {
    if (this.token === undefined) return undefined;
    const given = presentedToken({
      authorization: request.headers.authorization,
      queryToken: new URL(request.originalUrl, 'http://live').searchParams.getAll('token'),
    });
    if (tokenMatches(given, this.token)) return undefined;
    return given === undefined
      ? 'missing bearer token: send "Authorization: Bearer <token>" or open /live?token=<token>'
      : 'the bearer token is not valid';
  }
}
