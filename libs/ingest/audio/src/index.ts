export { CLAP_SAMPLE_RATE } from './audio-stream';
export type { AudioStream, OpenAudioOptions } from './audio-stream';
export { AudioDecodeError } from './audio-decode.error';
export { openAudio } from './audio.opener';
export { MIN_TAIL_S, windowAudio } from './audio-windows';
export type { AudioWindow, WindowAudioOptions } from './audio-windows';
export { decodeArgs, runFfmpeg, type FfmpegRun } from './ffmpeg.process';
export { windowMessage, type WindowMessageOptions } from './window.message';
export { describeWavTruncation, WavStreamCheck, type WavTruncation } from './wav.stream-check';
