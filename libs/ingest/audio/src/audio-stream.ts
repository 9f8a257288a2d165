/** The sample rate CLAP models are trained on (DESIGN §2: 48 kHz mono); the default of `openAudio`. */
export const CLAP_SAMPLE_RATE = 48_000;

/**
 * Decoded mono audio as float32 chunks in [-1, 1], read lazily: nothing is decoded until it is iterated, and
 * only about one chunk is held in memory at a time. Files and URLs are decoded anew on each iteration; stdin
 * can be iterated once. Stopping early (`break`) closes the file or kills the ffmpeg process.
 */
export interface AudioStream extends AsyncIterable<Float32Array> {
  /** The input as given to `openAudio` (a path, a URL, or `-` for stdin). */
  readonly uri: string;
  readonly sampleRate: number;
  /** Seconds, when known up front (WAV header, ffprobe for files), else undefined. */
  readonly durationS?: number;
}

export interface OpenAudioOptions {
  /** Output sample rate in Hz; default `CLAP_SAMPLE_RATE` (48000). */
  sampleRate?: number;
  /** The stream read when the input is `-`; default `process.stdin`. */
  stdin?: NodeJS.ReadableStream;
  /**
   * The ffmpeg executable; default `ffmpeg` on the PATH. ffprobe (for `durationS`) is looked for next to it,
   * or on the PATH when this is a bare name.
   */
  ffmpegPath?: string;
  /** Samples per yielded chunk (the last one may be shorter); default one second at `sampleRate`. */
  chunkSamples?: number;
  /**
   * Stops decoding when aborted (Ctrl-C): ffmpeg is killed at once, even while it waits for input that keeps
   * coming or never ends (a pipe, a FIFO, a live URL), so nothing is left running.
   */
  signal?: AbortSignal;
}

/** `OpenAudioOptions` with every default filled in, as the decoders receive them. */
export interface DecodeSettings {
  sampleRate: number;
  chunkSamples: number;
  ffmpegPath: string;
  signal?: AbortSignal;
}
