import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNpy } from '@audio-concepts/shared-npy';
import { PROJECTION_HEAD_FILE, ProjectionHead } from './projection-head';

describe('ProjectionHead', () => {
  it('maps each row to H·L2(e)', () => {
    const head = new ProjectionHead(Float64Array.from([0, 1, 2, 0]), 2); // H = [[0, 1], [2, 0]]
    const out = head.project([3, 4, 0, -2], 2);
    // L2 rows: (0.6, 0.8), (0, −1) → H·u: (0.8, 1.2), (−1, 0)
    expect(Array.from(out).map((x) => Math.round(x * 1e12) / 1e12)).toEqual([0.8, 1.2, -1, 0]);
  });

  it('loads head.npy from a directory and rejects a non-square matrix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'head-'));
    await writeNpy(join(dir, PROJECTION_HEAD_FILE), {
      data: Float32Array.from([1, 0, 0, 1]),
      shape: [2, 2],
      dtype: 'float32',
    });
    const head = await ProjectionHead.load(dir);
    expect(head.d).toBe(2);
    expect(Array.from(head.project([0, 5], 1))).toEqual([0, 1]);
    const bad = mkdtempSync(join(tmpdir(), 'head-'));
    await writeNpy(join(bad, PROJECTION_HEAD_FILE), { data: new Float32Array(6), shape: [2, 3], dtype: 'float32' });
    await expect(ProjectionHead.load(bad)).rejects.toThrow('must be square (d × d), got shape [2, 3]');
  });

  it('rejects embeddings of the wrong width', () => {
    const head = new ProjectionHead(new Float64Array(9), 3);
    expect(() => head.project([1, 2, 3, 4], 2)).toThrow('do not fit shape [2, 3]');
  });
});
