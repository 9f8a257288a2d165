import {
  audioWindowWith,
  DEFAULT_WIRE_FORMAT,
  type AudioWindow as AudioWindowMessage,
  type WireFormat,
} from '@audio-concepts/shared-contracts';
import type { AudioWindow } from './audio-windows';

export interface WindowMessageOptions {
  streamId: string;
  sampleRate: number;
  /** when the window was accepted (latency is measured from here) */
  ingestedAtMs: number;
  /** the stream's earlier windows and audio (an upload that continues a stream): added to seq and start */
  seqOffset?: number;
  startMsOffset?: number;
  wireFormat?: WireFormat;
}

/** The `AudioWindow` message of one window: what ingest publishes and what `tag` hands its encoder stage. */
export function windowMessage(window: AudioWindow, options: WindowMessageOptions): AudioWindowMessage {
  const { streamId, sampleRate, ingestedAtMs } = options;
  const toMs = (samples: number) => Math.round((samples * 1000) / sampleRate);
  return audioWindowWith(
    {
      streamId,
      windowSeq: (options.seqOffset ?? 0) + window.seq,
      startMs: (options.startMsOffset ?? 0) + toMs(window.startSample),
      durationMs: toMs(window.samples.length),
      sampleRate,
      ingestedAtMs,
    },
    window.samples,
    options.wireFormat ?? DEFAULT_WIRE_FORMAT,
  );
}
