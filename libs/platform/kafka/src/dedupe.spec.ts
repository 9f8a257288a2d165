import { describe, expect, it } from 'vitest';
import { ProducedSeqs } from './dedupe';

describe('ProducedSeqs', () => {
  it('knows a (stream, seq) at or below the highest produced in its partition', () => {
    const seqs = new ProducedSeqs();
    seqs.record(0, 'a', 3);
    seqs.record(0, 'a', 1); // an older one never lowers the mark
    expect([0, 3].map((seq) => seqs.has(0, 'a', seq))).toEqual([true, true]);
    expect(seqs.has(0, 'a', 4)).toBe(false);
    expect(seqs.has(0, 'b', 0)).toBe(false);
    expect(seqs.has(1, 'a', 0)).toBe(false);
  });

  it('forgets revoked partitions, keeping one entry per stream', () => {
    const seqs = new ProducedSeqs();
    for (let seq = 0; seq < 100; seq++) seqs.record(0, 'a', seq);
    seqs.record(1, 'b', 5);
    seqs.record(2, 'c', 5);
    expect(seqs.size).toBe(3);
    seqs.retain([1, 3]);
    expect(seqs.size).toBe(1);
    expect(seqs.has(0, 'a', 0)).toBe(false);
    expect(seqs.has(1, 'b', 5)).toBe(true);
  });
});
