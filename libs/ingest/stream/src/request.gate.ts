import { type Credentials, presentedToken, tokenMatches } from '@audio-concepts/platform-runtime';
import { RateLimitedError, UnauthorizedError } from './ingest.errors';
import type { RateLimiter } from './rate.limiter';

/**
 * Lets a request in or says why not: the bearer token first (401), then the token's rate limit (429).
 * Requests without the right token do not count against the limit.
 */
export class RequestGate {
  constructor(
    private readonly token: string,
    private readonly limiter: RateLimiter,
  ) {}

  admit(credentials: Credentials): void {
    const given = presentedToken(credentials);
    if (!tokenMatches(given, this.token)) {
      throw new UnauthorizedError(
        given === undefined
          ? 'missing bearer token: send "Authorization: Bearer <token>"'
          : 'the bearer token is not valid',
      );
    }
    const decision = this.limiter.take(this.token);
    if (!decision.allowed) {
      throw new RateLimitedError(
        `rate limit of ${this.limiter.perMinute} requests per minute exceeded: retry in ${decision.retryAfterS} s`,
        decision.retryAfterS,
      );
    }
  }
}
