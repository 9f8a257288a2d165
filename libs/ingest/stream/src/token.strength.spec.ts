import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tokenWeakness } from './token.strength';

describe('tokenWeakness', () => {
  it('accepts 32 random bytes as base64, base64url or hex', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(32);
      expect(tokenWeakness(bytes.toString('base64'))).toBeUndefined();
      expect(tokenWeakness(bytes.toString('base64url'))).toBeUndefined();
      expect(tokenWeakness(bytes.toString('hex'))).toBeUndefined();
    }
  });

  it('refuses shorter tokens, counting hex digits as 4 bits', () => {
    expect(tokenWeakness(randomBytes(24).toString('base64url'))).toMatch(
      /^it has 32 characters; it must be at least 32 random bytes/,
    );
    expect(tokenWeakness(randomBytes(31).toString('hex'))).toMatch(/^it has 62 characters/);
    // 43 characters are enough in base64, not when they are all hex digits
    expect(tokenWeakness(randomBytes(32).toString('hex').slice(0, 43))).toMatch(/^it has 43 characters/);
    expect(tokenWeakness('e2e-token')).toMatch(/^it has 9 characters/);
  });

  it('refuses placeholders and characters a bearer token cannot hold', () => {
    expect(tokenWeakness('change-me-change-me-change-me-change-me-change-me')).toMatch(/only 8 different characters/);
    expect(tokenWeakness('a'.repeat(64))).toMatch(/only 1 different character,/);
    expect(tokenWeakness(`${randomBytes(32).toString('base64url')} x`)).toMatch(/may hold only A-Z a-z 0-9/);
  });
});
