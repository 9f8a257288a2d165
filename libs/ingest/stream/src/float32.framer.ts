/**
 * Turns a byte stream of little-endian float32 samples (ffmpeg's `f32le` on a pipe, read in arbitrary pieces)
 * into whole samples: each `push` returns the samples completed so far, keeping the 0–3 bytes of a sample
 * split across reads for the next one.
 */
export class Float32Framer {
  private rest = Buffer.alloc(0);

  /** Bytes of an incomplete sample waiting for the next push. */
  get pendingBytes(): number {
    return this.rest.length;
  }

  push(bytes: Buffer): Float32Array {
    const data = this.rest.length > 0 ? Buffer.concat([this.rest, bytes]) : bytes;
    const whole = data.length - (data.length % 4);
    this.rest = Buffer.from(data.subarray(whole));
    // A copy into fresh (aligned) storage: a Buffer's offset in its pool need not be a multiple of 4.
    const samples = new Float32Array(whole / 4);
    new Uint8Array(samples.buffer).set(data.subarray(0, whole));
    return samples;
  }
}
