/**
 * Ends a feed whose client has gone quiet: `onIdle` is called once no bytes came (`touch`) for `timeoutMs` while
 * ingest was ready for more. Time during which ingest itself is not reading (`busy`: its buffers are full because
 * Kafka or the audio rate limit holds the feed back) does not count. Checked a few times per timeout.
 */
export class IdleWatch {
  private lastActivityMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly timeoutMs: number,
    private readonly busy: () => boolean,
    private readonly onIdle: () => void,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    if (this.timer) return;
    this.lastActivityMs = this.clock();
    this.timer = setInterval(() => this.check(), Math.max(10, Math.min(1_000, this.timeoutMs / 4)));
    this.timer.unref();
  }

  touch(): void {
    this.lastActivityMs = this.clock();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const now = this.clock();
    if (this.busy()) this.lastActivityMs = now;
    else if (now - this.lastActivityMs >= this.timeoutMs) {
      this.stop();
      this.onIdle();
    }
  }
}
