/**
 * Keeps the last `limitBytes` of a child's stderr, so that a chatty decoder cannot grow memory, and gives
 * back its last non-empty line, cleaned up for a one-line error message.
 */
export class StderrTail {
  private kept = '';

  constructor(private readonly limitBytes = 4096) {}

  push(chunk: Buffer | string): void {
    this.kept += chunk.toString();
    if (this.kept.length > this.limitBytes) this.kept = this.kept.slice(-this.limitBytes);
  }

  /** All that is kept (the last `limitBytes`). */
  text(): string {
    return this.kept;
  }

  /** The last non-empty line without ffmpeg's "[mp3 @ 0x…] " context prefix or a leading `inputName: `. */
  lastLine(inputName?: string): string {
    const lines = this.kept.split(/\r?\n|\r/).map((line) => line.trim());
    let line = lines.filter((l) => l.length > 0).at(-1) ?? '';
    line = line.replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/i, '');
    if (inputName && line.startsWith(`${inputName}: `)) line = line.slice(inputName.length + 2);
    return line.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300);
  }
}
