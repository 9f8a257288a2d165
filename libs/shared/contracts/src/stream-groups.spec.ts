import { describe, expect, it } from 'vitest';
import { StreamGroups } from './stream-groups';

describe('StreamGroups', () => {
  it('maps stream ids by the first matching glob, default otherwise', () => {
    const groups = StreamGroups.parse('street-*=street, studio-?=studio, *.wav=files, street-9=never');
    expect(groups.groupOf('street-12')).toBe('street');
    expect(groups.groupOf('street-9')).toBe('street');
    expect(groups.groupOf('studio-a')).toBe('studio');
    expect(groups.groupOf('studio-ab')).toBe('default');
    expect(groups.groupOf('x.wav')).toBe('files');
    expect(groups.groupOf('xwav')).toBe('default');
    expect(groups.groups).toEqual(['street', 'studio', 'files', 'never', 'default']);
  });

  it('treats regex characters in globs literally', () => {
    const groups = StreamGroups.parse('a+b(1)=lit');
    expect(groups.groupOf('a+b(1)')).toBe('lit');
    expect(groups.groupOf('aab1')).toBe('default');
  });

  it('puts everything in default without rules', () => {
    expect(StreamGroups.parse(undefined).groupOf('anything')).toBe('default');
    expect(StreamGroups.parse('').describe()).toBe('every stream in "default"');
  });

  it('names every bad rule', () => {
    expect(() => StreamGroups.parse('street-*, =x, a=b c, ok=fine')).toThrow(
      /METRICS_GROUPS: "street-\*" is not glob=group; "=x" is not glob=group; group "b c"/,
    );
  });
});
