import { describe, expect, it } from 'vitest';
import { presentedToken, tokenMatches } from './bearer-token';

describe('presentedToken', () => {
  it('reads the Authorization header, scheme case-insensitive', () => {
    expect(presentedToken({ authorization: 'Bearer s3cret' })).toBe('s3cret');
    expect(presentedToken({ authorization: 'bearer  s3cret ' })).toBe('s3cret');
  });

  it('rejects other schemes and malformed headers', () => {
    expect(presentedToken({ authorization: 'Basic czNjcmV0' })).toBeUndefined();
    expect(presentedToken({ authorization: 'Bearer' })).toBeUndefined();
    expect(presentedToken({ authorization: 'Bearer a b' })).toBeUndefined();
  });

  it('falls back to ?token= only when there is no header', () => {
    expect(presentedToken({ queryToken: 'q' })).toBe('q');
    expect(presentedToken({ authorization: 'Basic x', queryToken: 'q' })).toBeUndefined();
    expect(presentedToken({ queryToken: ['q', 'r'] })).toBeUndefined();
    // what URLSearchParams.getAll('token') gives for ?token=q, and without ?token=
    expect(presentedToken({ queryToken: ['q'] })).toBe('q');
    expect(presentedToken({ queryToken: [] })).toBeUndefined();
    expect(presentedToken({})).toBeUndefined();
  });
});

describe('tokenMatches', () => {
  it('is true only for the same token', () => {
    expect(tokenMatches('s3cret', 's3cret')).toBe(true);
    expect(tokenMatches('s3cre', 's3cret')).toBe(false);
    expect(tokenMatches('s3cret!', 's3cret')).toBe(false);
    expect(tokenMatches('', '')).toBe(false);
    expect(tokenMatches(undefined, 's3cret')).toBe(false);
  });
});
