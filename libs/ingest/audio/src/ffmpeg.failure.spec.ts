import { describe, expect, it } from 'vitest';
import { AudioDecodeError } from './audio-decode.error';
import { describeFfmpegFailure, exitFailure, noOutputFailure, spawnFailure } from './ffmpeg.failure';
import { StderrTail } from './stderr.tail';

const describeAs = (failure: Parameters<typeof describeFfmpegFailure>[0]) =>
  describeFfmpegFailure(failure, 'in.mp3', 'in.mp3');

describe('ffmpeg failure table', () => {
  it('maps spawn errors: ENOENT is "not installed", others name their code', () => {
    const missing = describeAs(spawnFailure(Object.assign(new Error('x'), { code: 'ENOENT' }), 'ffmpeg'));
    expect(missing.message).toBe('ffmpeg not found: install it (Debian: apt-get install ffmpeg) to read in.mp3');
    const denied = describeAs(spawnFailure(Object.assign(new Error('x'), { code: 'EACCES' }), '/opt/ffmpeg'));
    expect(denied.message).toBe('cannot run ffmpeg at /opt/ffmpeg (EACCES), needed to read in.mp3');
  });

  it('maps exit statuses, with an explicit "unknown" for codes it does not know', () => {
    expect(exitFailure(0, null, 'anything')).toBeUndefined();
    const failed = describeAs(exitFailure(1, null, 'Invalid data found when processing input')!);
    expect(failed).toBeInstanceOf(AudioDecodeError);
    expect(failed.message).toBe('in.mp3: ffmpeg failed (exit code 1): Invalid data found when processing input');
    expect([failed.uri, failed.ffmpegExitCode, failed.retriable]).toEqual(['in.mp3', 1, false]);
    expect(describeAs(exitFailure(255, null, '')!).message).toBe(
      'in.mp3: ffmpeg was interrupted (exit code 255): no message',
    );
    expect(describeAs(exitFailure(69, null, 'odd')!).message).toBe(
      'in.mp3: ffmpeg exited with an unknown status (exit code 69): odd',
    );
    expect(describeAs(exitFailure(null, 'SIGSEGV', '')!).message).toBe('in.mp3: ffmpeg was killed by SIGSEGV');
  });

  it('reads "no output stream" as no audio, and network trouble as retriable', () => {
    const noAudio = describeAs(exitFailure(1, null, 'Output file #0 does not contain any stream')!);
    expect(noAudio.message).toBe('no audio in in.mp3');
    expect(noAudio.ffmpegExitCode).toBe(1);
    expect(describeAs(exitFailure(1, null, 'Connection refused')!).retriable).toBe(true);
    expect(describeAs(exitFailure(1, null, 'Server returned 503 Service Unavailable')!).retriable).toBe(true);
    expect(describeAs(exitFailure(1, null, 'Server returned 404 Not Found')!).retriable).toBe(false);
  });
});

describe('no output with exit 0', () => {
  const mp4Stderr =
    '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d5ac9f8940] stream 0, offset 0x2c: partial file\npipe:0: Invalid data found when processing input\n';

  it('on a pipe, an MP4 whose index comes last: says so and suggests the file', () => {
    const failure = noOutputFailure(mp4Stderr, true);
    expect(failure).toEqual({ kind: 'mp4-index-at-end' });
    expect(describeFfmpegFailure(failure, '-', 'stdin').message).toMatch(
      /^stdin: this MP4\/M4A keeps its index \(the moov atom\) after the audio, .* pass the file by its path instead/,
    );
  });

  it('otherwise, no audio', () => {
    expect(noOutputFailure(mp4Stderr, false)).toEqual({ kind: 'no-audio' });
    expect(noOutputFailure('', true)).toEqual({ kind: 'no-audio' });
  });
});

describe('StderrTail', () => {
  it('keeps only the last bytes and gives the last line, cleaned up', () => {
    const tail = new StderrTail(64);
    for (let i = 0; i < 1000; i++) tail.push(`[mp3 @ 0x55d5ac9f8940] frame ${i} broken\n`);
    tail.push('[mp3 @ 0x55d5ac9f8940] file:in.mp3: Invalid\targument\n\n');
    expect(tail.lastLine('file:in.mp3')).toBe('Invalid argument');
    expect(new StderrTail().lastLine()).toBe('');
  });
});
