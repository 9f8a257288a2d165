import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { HAS_FFMPEG } from '@audio-concepts/ingest-audio/testing';

/**
 * `tag` on input that keeps coming (stdin left open): the model line at once, `--max-seconds`, and Ctrl-C, which
 * prints the windows of the audio read so far. Waits are bounded; nothing asserts how long a step took.
 */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');

let dir: string;
let common: string[];
const running: ChildProcess[] = [];

/** A WAV stream as ffmpeg writes one into a pipe (sizes unknown), 48 kHz mono s16: the header, then `seconds`. */
function wavStream(seconds: number): { header: Buffer; audio: Buffer } {
  const r = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}:sample_rate=48000`, '-ac', '1', '-f', 'wav', 'pipe:1'], // prettier-ignore
    { maxBuffer: 64 << 20 },
  );
  expect(r.status, String(r.stderr)).toBe(0);
  const bytes = r.stdout as Buffer;
  const data = bytes.indexOf('data') + 8;
  return { header: bytes.subarray(0, data), audio: bytes.subarray(data) };
}

function start(args: string[], options: { group?: boolean } = {}) {
  const child = spawn(process.execPath, [BIN, 'tag', ...args, ...common], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.group, // its own process group, as a shell job: Ctrl-C reaches it and its ffmpeg
  });
  running.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (b: Buffer) => (out.stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out.stderr += b.toString()));
  child.stdin.on('error', () => undefined); // it may stop reading before we stop writing
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, out, exited };
}

async function waitFor(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const spans = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .map((f) => [f.start_s, f.end_s]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tag-live-'));
  const model = await writeTinyClapModel(join(dir, 'model'), { dimension: 16 });
  writeFileSync(join(dir, 'vocab.txt'), 'rain\nthunder\nmusic\nbirds\nwind\nwater\n');
  common = ['--model', model.dir, '--vocab', join(dir, 'vocab.txt'), '--cache-dir', join(dir, 'cache')];
});

afterEach(() => {
  for (const child of running.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe.skipIf(!HAS_FFMPEG)('tag on live input', () => {
  it('prints the model line as soon as the model is loaded, before any window is complete', async () => {
    const { header, audio } = wavStream(2);
    const run = start(['-', '--json']);
    run.child.stdin.write(Buffer.concat([header, audio]));
    await waitFor('the model line', () => /^model /m.test(run.out.stderr));
    expect(run.out.stdout).toBe('');
    run.child.stdin.end();
    expect(await run.exited, run.out.stderr).toBe(0);
    expect(spans(run.out.stdout)).toEqual([[0, 2]]);
  }, 120_000);

  it('--max-seconds stops after that much audio: a file, and stdin left open', async () => {
    const { header, audio } = wavStream(35);
    const file = join(dir, 'long.wav');
    writeFileSync(file, Buffer.concat([header, audio]));
    const r = spawnSync(process.execPath, [BIN, 'tag', file, '--json', '--max-seconds', '12', ...common], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(spans(r.stdout)).toEqual([[0, 10], [10, 12]]); // prettier-ignore
    const run = start(['-', '--json', '--max-seconds', '5']);
    run.child.stdin.write(readFileSync(file)); // and never ended
    await waitFor('the end of the run', () => run.child.exitCode !== null);
    expect(await run.exited, run.out.stderr).toBe(0);
    expect(spans(run.out.stdout)).toEqual([[0, 5]]);
  }, 120_000);

  it('Ctrl-C prints the windows of the audio read so far, the summary, and exits 130', async () => {
    const { header, audio } = wavStream(25);
    const run = start(['-', '--json'], { group: true });
    run.child.stdin.write(Buffer.concat([header, audio])); // 25 s, and the input stays open
    await waitFor('two windows', () => run.out.stdout.split('\n').length > 2, 50_000);
    process.kill(-run.child.pid!, 'SIGINT'); // what Ctrl-C in a shell does: the whole job gets it
    expect(await run.exited, run.out.stderr).toBe(130);
    // the window being filled is the last one: up to 25 s, less what ffmpeg had not handed on yet
    const printed = spans(run.out.stdout);
    expect(printed.slice(0, 2)).toEqual([[0, 10], [10, 20]]); // prettier-ignore
    expect(printed).toHaveLength(3);
    expect(printed[2][0]).toBe(20);
    expect(printed[2][1]).toBeGreaterThan(21);
    expect(printed[2][1]).toBeLessThanOrEqual(25);
    expect(run.out.stderr).toMatch(/interrupted/);
    expect(run.out.stderr).toMatch(/3 windows/);
  }, 120_000);
});
