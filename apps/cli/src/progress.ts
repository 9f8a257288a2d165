/**
 * A progress line on stderr for long runs, rewritten in place on a terminal and printed at most every few
 * seconds otherwise (logs stay readable). Silent when `enabled` is false.
 */
export class Progress {
  private lastPrint = 0;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    const interval = this.stream.isTTY ? 200 : 5000;
    if (done < this.total && now - this.lastPrint < interval) return;
    this.lastPrint = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const line = `${this.label}: ${done}/${this.total} (${((100 * done) / Math.max(1, this.total)).toFixed(0)}%, ${rate}/s)`;
    if (this.stream.isTTY) this.stream.write(`\r${line}${done >= this.total ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }
}
