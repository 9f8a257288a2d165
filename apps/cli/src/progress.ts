/**
 * A progress line on stderr for long runs, rewritten in place on a terminal and printed at most every few
 * seconds otherwise (logs stay readable). Silent when `enabled` is false. `total` may be unknown (a stream).
 */
export class Progress {
  private lastPrint = 0;
  private printedInPlace = false;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly enabled: boolean,
    private readonly unit = '',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** `detail` is appended to the line (e.g. the speed relative to real time). */
  update(done: number, detail = ''): void {
    if (!this.enabled) return;
    const now = performance.now();
    const finished = this.total !== undefined && done >= this.total;
    if (!finished && now - this.lastPrint < (this.stream.isTTY ? 200 : 5000)) return;
    this.lastPrint = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const percent = this.total === undefined ? '' : `${((100 * done) / Math.max(1, this.total)).toFixed(0)}%, `;
    const count = this.total === undefined ? `${done}` : `${done}/${this.total}`;
    const line = `${this.label}: ${count}${this.unit} (${percent}${rate}/s${detail ? `, ${detail}` : ''})`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}${finished ? '\n' : ''}`);
      this.printedInPlace = !finished;
    } else this.stream.write(`${line}\n`);
  }

  /** Erases a line left open on a terminal, before other output (it comes back at the next update). */
  clear(): void {
    if (this.printedInPlace) this.stream.write('\r\x1b[2K');
    this.printedInPlace = false;
  }

  /** Ends a line left open on a terminal. */
  done(): void {
    if (this.printedInPlace) this.stream.write('\n');
    this.printedInPlace = false;
  }
}
