/**
 * Remembers the (stream, window_seq) pairs already seen, so that frames delivered twice (the pipeline is
 * at-least-once) are shown once. Bounded: the oldest pairs are forgotten past `capacity`, which is far more than
 * a redelivery can lag behind.
 */
export class FrameDedupe {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 100_000) {}

  /** True the first time a pair is offered, false for a repeat. */
  first(stream: string, windowSeq: number): boolean {
    const key = `${windowSeq}\u0000${stream}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}
