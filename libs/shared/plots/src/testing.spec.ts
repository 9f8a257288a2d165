import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultArtifactDirectory, inspectSvg, writePngArtifact } from './testing';

describe('inspectSvg', () => {
  it('throws on malformed XML and on a document that is not an SVG', () => {
    expect(() => inspectSvg('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>')).toThrow();
    expect(() => inspectSvg('<html/>')).toThrow(/not an SVG/);
  });
});

describe('writePngArtifact', () => {
  it('reports a blank image as one colour with no ink', () => {
    const blank = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"></svg>';
    const png = writePngArtifact(blank, 'blank', mkdtempSync(join(tmpdir(), 'plots-')));

    expect([png.width, png.height, png.distinctColours, png.inkFraction]).toEqual([20, 10, 1, 0]);
  });

  it('writes under the repository .test-results/plots folder by default and refuses path-like names', () => {
    expect(defaultArtifactDirectory()).toMatch(/\/\.test-results\/plots$/);
    expect(() => writePngArtifact('<svg xmlns="http://www.w3.org/2000/svg"/>', '../escape')).toThrow(/may only hold/);
  });
});
