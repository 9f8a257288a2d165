import { describe, expect, it } from 'vitest';
import { Float32Framer } from './float32.framer';

describe('Float32Framer', () => {
  it('reassembles samples split across reads at any byte', () => {
    const samples = Float32Array.from([0.5, -0.25, 1, -1, 0.125, 3e-8]);
    const bytes = Buffer.from(samples.buffer);
    for (const cuts of [[1], [3, 4, 5], [2, 10, 11, 23], [24]]) {
      const sut = new Float32Framer();
      const out: number[] = [];
      let from = 0;
      for (const to of [...cuts, bytes.length]) {
        out.push(...sut.push(bytes.subarray(from, to)));
        from = to;
      }
      expect(Float32Array.from(out)).toEqual(samples);
      expect(sut.pendingBytes).toBe(0);
    }
  });

  it('keeps an incomplete sample pending', () => {
    const sut = new Float32Framer();
    expect(sut.push(Buffer.from([0, 0, 128])).length).toBe(0);
    expect(sut.pendingBytes).toBe(3);
    expect(Array.from(sut.push(Buffer.from([63])))).toEqual([1]);
  });

  it('reads samples from a Buffer at an odd offset of its pool', () => {
    const pool = Buffer.alloc(9);
    pool.writeFloatLE(0.75, 1);
    pool.writeFloatLE(-2, 5);
    expect(Array.from(new Float32Framer().push(pool.subarray(1)))).toEqual([0.75, -2]);
  });
});
