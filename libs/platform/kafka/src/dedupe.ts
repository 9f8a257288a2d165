/**
 * Which (stream id, window seq) pairs a stage has already produced output for, in bounded memory: the highest
 * seq per stream per partition. Enough because a stream's windows are keyed by its id, so they sit in one
 * partition, in seq order; a redelivered window (a retried batch, a rebalance) has a seq ≤ the highest.
 */
export class ProducedSeqs {
  private readonly byPartition = new Map<number, Map<string, number>>();

  /** True when `seq` of `stream` in `partition` was already produced. */
  has(partition: number, stream: string, seq: number): boolean {
    const highest = this.byPartition.get(partition)?.get(stream);
    return highest !== undefined && seq <= highest;
  }

  /** The highest seq of `stream` produced in `partition`, if any. */
  highest(partition: number, stream: string): number | undefined {
    return this.byPartition.get(partition)?.get(stream);
  }

  record(partition: number, stream: string, seq: number): void {
    let streams = this.byPartition.get(partition);
    if (!streams) this.byPartition.set(partition, (streams = new Map()));
    const highest = streams.get(stream);
    if (highest === undefined || seq > highest) streams.set(stream, seq);
  }

  /** Forgets the partitions not in `assigned` (revoked in a rebalance: another member owns them now). */
  retain(assigned: readonly number[]): void {
    const keep = new Set(assigned);
    for (const partition of [...this.byPartition.keys()]) if (!keep.has(partition)) this.byPartition.delete(partition);
  }

  /** Streams remembered, over all partitions (for tests and debugging). */
  get size(): number {
    let n = 0;
    for (const streams of this.byPartition.values()) n += streams.size;
    return n;
  }
}
