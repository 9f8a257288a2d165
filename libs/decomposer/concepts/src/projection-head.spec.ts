import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNpy } from '@audio-concepts/shared-npy';
import { HEAD_FILES, headIdOf, ProjectionHead } from './projection-head';

describe('ProjectionHead', () => {
  it('maps each row to H·L2(e)', () => {
    const head = new ProjectionHead(Float64Array.from([0, 1, 2, 0]), 2); // H = [[0, 1], [2, 0]]
    const out = head.project([3, 4, 0, -2], 2);
    // L2 rows: (0.6, 0.8), (0, −1) → H·u: (0.8, 1.2), (−1, 0)
    expect(Array.from(out).map((x) => Math.round(x * 1e12) / 1e12)).toEqual([0.8, 1.2, -1, 0]);
  });

  it('loads head.npy from a directory and rejects a non-square matrix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'head-'));
    await writeNpy(join(dir, HEAD_FILES.matrix), {
      data: Float32Array.from([1, 0, 0, 1]),
      shape: [2, 2],
      dtype: 'float32',
    });
    const head = await ProjectionHead.load(dir);
    expect(head.d).toBe(2);
    expect(Array.from(head.project([0, 5], 1))).toEqual([0, 1]);
    const bad = mkdtempSync(join(tmpdir(), 'head-'));
    await writeNpy(join(bad, HEAD_FILES.matrix), { data: new Float32Array(6), shape: [2, 3], dtype: 'float32' });
    await expect(ProjectionHead.load(bad)).rejects.toThrow('must be square (d × d), got shape [2, 3]');
  });

  it('is named by the hash of head.npy, carries the audio mean stored with it, and refuses a changed matrix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'head-'));
    const H = Float64Array.from([0, 1, 2, 0]);
    await writeNpy(join(dir, HEAD_FILES.matrix), { data: H, shape: [2, 2], dtype: 'float64' });
    const bytes = readFileSync(join(dir, HEAD_FILES.matrix));
    const id = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    expect(headIdOf(H, 2)).toBe(id);
    expect((await ProjectionHead.load(dir)).audioMeanD).toBeNull();

    await writeNpy(join(dir, HEAD_FILES.audioMean), {
      data: Float64Array.from([0.6, 0]),
      shape: [2],
      dtype: 'float64',
    });
    writeFileSync(join(dir, HEAD_FILES.manifest), JSON.stringify({ id }));
    const head = await ProjectionHead.load(dir);
    expect(head.id).toBe(id);
    expect(Array.from(head.audioMeanD!)).toEqual([0.6, 0]);

    writeFileSync(join(dir, HEAD_FILES.manifest), JSON.stringify({ id: '0123456789abcdef' }));
    await expect(ProjectionHead.load(dir)).rejects.toThrow(`names head "0123456789abcdef" but head.npy is head ${id}`);
    writeFileSync(join(dir, HEAD_FILES.manifest), JSON.stringify({ id }));
    await writeNpy(join(dir, HEAD_FILES.audioMean), {
      data: Float64Array.from([1, 0, 0]),
      shape: [3],
      dtype: 'float64',
    });
    await expect(ProjectionHead.load(dir)).rejects.toThrow("3 values, expected the head's d = 2");
  });

  it('refuses non-finite values and an audio mean longer than 1', () => {
    expect(() => new ProjectionHead(Float64Array.from([1, NaN, 0, 1]), 2)).toThrow(/projection head/);
    expect(() => new ProjectionHead(Float64Array.from([1, 0, 0, 1]), 2, [1, 1])).toThrow('has norm 1.41');
  });

  it('takes m_a over the reference projected by the head: the mean of the unit rows of H·L2(e)', () => {
    // H = [[0, 1], [2, 0]]: (1, 0) → (0, 2) → unit (0, 1); (0, 3) → (1, 0) → unit (1, 0)
    const head = ProjectionHead.withReference(Float64Array.from([0, 1, 2, 0]), 2, [1, 0, 0, 3], 2);
    expect(Array.from(head.audioMeanD!)).toEqual([0.5, 0.5]);
  });

  it('rejects embeddings of the wrong width', () => {
    const head = new ProjectionHead(new Float64Array(9), 3);
    expect(() => head.project([1, 2, 3, 4], 2)).toThrow('do not fit shape [2, 3]');
  });
});
