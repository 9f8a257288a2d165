import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { checkStreamId } from './stream-id';

describe('checkStreamId', () => {
  it.each(['radio-1', 'a', 'studio.B_2:left', 'x'.repeat(128)])('accepts %s', (id) => {
    expect(checkStreamId(id)).toBe(id);
  });

  it.each(['', 'x'.repeat(129), 'a b', 'a/b', 'ünï', 'a\nb', '../etc'])('rejects %j', (id) => {
    expect(() => checkStreamId(id)).toThrow(InvalidInputError);
  });

  it('names the bad id and what is expected', () => {
    expect(() => checkStreamId('a b')).toThrow(/stream id "a b" is not valid: expected 1 to 128 characters/);
  });
});
