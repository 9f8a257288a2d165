import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repo root, where a user runs the command line (`./bin/audio-concepts`, built by `npm run build`). */
export const ROOT = join(__dirname, '..', '..', '..', '..');
export const BIN = join(ROOT, 'bin', 'audio-concepts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `audio-concepts <args…>` from the repo root as a user does, with `stdin` as its input; 2 minutes at most. */
export function runCli(args: string[], stdin?: Buffer): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input: stdin,
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
