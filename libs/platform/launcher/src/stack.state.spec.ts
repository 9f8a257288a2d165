import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeStackDir } from './stack.state';

describe('makeStackDir', () => {
  it('makes the directory readable by its owner only', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'stack-dir-')), 'a', '.stack');
    makeStackDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('names a file in the way', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'stack-dir-')), 'f');
    writeFileSync(file, '');
    expect(() => makeStackDir(join(file, '.stack'))).toThrow(`cannot create stack directory ${file}/.stack`);
  });

  // AUDIO_CONCEPTS_STACK_DIR=/proc/nope: Node's recursive mkdirSync loops there forever (the test timed out).
  it.skipIf(!existsSync('/proc/self'))('ends under /proc with an error naming why', () => {
    expect(() => makeStackDir('/proc/nope/.stack')).toThrow(
      'cannot create stack directory /proc/nope/.stack (at /proc/nope): its parent does not allow new entries',
    );
  });
});
