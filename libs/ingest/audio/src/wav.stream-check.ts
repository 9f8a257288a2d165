/** The most of a stream's first bytes looked at for a WAV header (chunks before the data, such as LIST, included). */
const HEADER_SCAN_BYTES = 1024 * 1024;
/** A data size of 0xFFFFFFFF (or 0) is what streaming writers leave: "up to the end". */
const SIZE_UNKNOWN = 0xffffffff;

/** A WAV stream that ended before the end of the data its header declares. */
export interface WavTruncation {
  declaredBytes: number;
  receivedBytes: number;
  /** bytes of samples per second (sample rate × block align), when the fmt chunk came before the data */
  bytesPerSecond?: number;
}

/**
 * Watches the bytes of a stream (an upload body, which ffmpeg decodes) and says whether it was a RIFF/WAVE file cut
 * short: ffmpeg decodes the samples that are there without a word, so a file truncated to its first 10 ms would
 * otherwise pass for a 10 ms recording. Only the header (up to the data chunk) is kept; the rest is counted.
 */
export class WavStreamCheck {
  private head = Buffer.alloc(0);
  private totalBytes = 0;
  private data: { offset: number; declaredBytes: number; bytesPerSecond?: number } | undefined;
  private done = false;

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    if (this.done) return;
    this.head = Buffer.concat([this.head, chunk.subarray(0, HEADER_SCAN_BYTES - this.head.length)]);
    this.parse();
  }

  /** Once the stream has ended: the truncation, or undefined (not a WAV, size unknown, or complete). */
  truncation(): WavTruncation | undefined {
    if (!this.data) return undefined;
    const { offset, declaredBytes, bytesPerSecond } = this.data;
    const receivedBytes = Math.max(0, this.totalBytes - offset);
    if (declaredBytes === 0 || declaredBytes === SIZE_UNKNOWN || receivedBytes >= declaredBytes) return undefined;
    return { declaredBytes, receivedBytes, bytesPerSecond };
  }

  private parse(): void {
    const head = this.head;
    if (head.length < 12) return;
    if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
      this.done = true;
      return;
    }
    let bytesPerSecond: number | undefined;
    for (let position = 12; position + 8 <= head.length;) {
      const id = head.toString('latin1', position, position + 4);
      const size = head.readUInt32LE(position + 4);
      if (id === 'data') {
        this.data = { offset: position + 8, declaredBytes: size, bytesPerSecond };
        this.done = true;
        return;
      }
      if (id === 'fmt ' && size >= 16 && position + 24 <= head.length) {
        const sampleRate = head.readUInt32LE(position + 12);
        const blockAlign = head.readUInt16LE(position + 20);
        bytesPerSecond = sampleRate * blockAlign || undefined;
      }
      position += 8 + size + (size % 2);
    }
    if (head.length >= HEADER_SCAN_BYTES) this.done = true;
  }
}

/** A one-line warning for a client: what the header declared, what came, and that what came was used. */
export function describeWavTruncation(truncation: WavTruncation, what: string): string {
  const { declaredBytes, receivedBytes, bytesPerSecond } = truncation;
  const seconds = (bytes: number) => (bytesPerSecond ? ` (${+(bytes / bytesPerSecond).toFixed(3)} s)` : '');
  return (
    `${what} is a truncated WAV: its header declares ${declaredBytes} bytes of samples${seconds(declaredBytes)} ` +
    `but it holds ${receivedBytes}${seconds(receivedBytes)}; the audio it holds was used`
  );
}
