import { spawnSync } from 'node:child_process';

/**
 * Test inputs made by other programs (sox, ffmpeg) from a definition, never committed: commands that write
 * one file, and `makeAudio` to run one. Exported as `@audio-concepts/ingest-audio/testing`.
 */

/** Whether the tools are on the PATH (tests that need them skip themselves otherwise). */
export const HAS_FFMPEG = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
export const HAS_SOX = spawnSync('sox', ['--version'], { stdio: 'ignore' }).status === 0;

/** A command line that writes `file`. */
export interface AudioCommand {
  file: string;
  argv: string[];
}

/** `sox -n -r 48000 -c 1 -b 16 <file> <effects…>`, e.g. `soxCommand(f, 'synth', '10', 'sine', '1000')`. */
export function soxCommand(file: string, ...effects: string[]): AudioCommand {
  return { file, argv: ['sox', '-n', '-r', '48000', '-c', '1', '-b', '16', file, ...effects] };
}

/** An ffmpeg lavfi source such as `sine=frequency=440` or `anoisesrc=color=pink`, `seconds` long, mono 48 kHz. */
export function lavfiCommand(file: string, source: string, seconds: number): AudioCommand {
  const input = `${source}:duration=${seconds}:sample_rate=48000`;
  return { file, argv: ['ffmpeg', '-v', 'error', '-y', '-f', 'lavfi', '-i', input, '-ac', '1', file] };
}

/** `lavfiCommand` with an audio filter chain after the source (`lowpass=f=150`, `volume=…`). */
export function filteredLavfiCommand(file: string, source: string, filter: string, seconds: number): AudioCommand {
  const input = `${source}:duration=${seconds}:sample_rate=48000`;
  return {
    file,
    argv: ['ffmpeg', '-v', 'error', '-y', '-f', 'lavfi', '-i', input, '-af', filter, '-ac', '1', file],
  };
}

/** ffmpeg's `aevalsrc`: a signal written as an expression of `t` (commas escaped as `\\,`), mono 48 kHz. */
export function aevalsrcCommand(file: string, expression: string, seconds: number): AudioCommand {
  const input = `aevalsrc='${expression}':s=48000:d=${seconds}`;
  return { file, argv: ['ffmpeg', '-v', 'error', '-y', '-f', 'lavfi', '-i', input, '-ac', '1', file] };
}

/** `sox -m a b <file>`: the two inputs mixed (each at half amplitude). */
export function soxMixCommand(file: string, a: string, b: string): AudioCommand {
  return { file, argv: ['sox', '-m', a, b, file] };
}

/** Runs the command and returns the file it wrote; throws with the tool's stderr when it fails. */
export function makeAudio(command: AudioCommand, cwd?: string): string {
  const [tool, ...args] = command.argv;
  const r = spawnSync(tool, args, { encoding: 'utf8', cwd });
  if (r.status !== 0)
    throw new Error(`${command.argv.join(' ')} failed (${r.status ?? r.error?.message}): ${r.stderr}`);
  return command.file;
}

/**
 * A 16-bit PCM WAV header for `dataBytes` of samples, or with both sizes unknown (0xffffffff) as a live writer
 * sends it into a pipe when `dataBytes` is omitted.
 */
export function wavHeader16(sampleRate: number, channels: number, dataBytes?: number): Buffer {
  const h = Buffer.alloc(44);
  const blockAlign = 2 * channels;
  h.write('RIFF', 0);
  h.writeUInt32LE(dataBytes === undefined ? 0xffffffff : 36 + dataBytes, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(dataBytes ?? 0xffffffff, 40);
  return h;
}
