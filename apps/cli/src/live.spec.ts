import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './testing/cli.run';
import { HAS_FFMPEG, wavHeader16 } from '@audio-concepts/ingest-audio/testing';

/**
 * `tag` on live input, run as a user runs it: a named FIFO fed with a WAV stream at real time, as a capture tool or
 * `ffmpeg … -f wav pipe` would. Frames must come while the stream is still open, without more audio, and Ctrl-C
 * (SIGINT to the process group, as a terminal sends it) must print the windows decoded so far.
 */
const RATE = 48_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tag-live-'));
});

/** `seconds` of a 1 kHz tone from sample `start` on, 16-bit. */
function tone(start: number, seconds: number): Buffer {
  const n = Math.round(seconds * RATE);
  const b = Buffer.alloc(2 * n);
  for (let i = 0; i < n; i++)
    b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (start + i)) / RATE)), 2 * i);
  return b;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Frame {
  window_seq: number;
  start_s: number;
  end_s: number;
  concepts: Array<{ label: string }>;
}

describe.skipIf(!HAS_FFMPEG)('tag on live input', () => {
  it('a FIFO fed at real time: each window is printed once its audio is in, and Ctrl-C prints what was decoded', async () => {
    const fifo = join(dir, 'live.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const child = spawn(process.execPath, [BIN, 'tag', fifo, '--json', '--no-progress'], { cwd: ROOT, detached: true });
    const frames: Array<Frame & { at: number }> = [];
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      for (let nl = stdout.indexOf('\n'); nl >= 0; nl = stdout.indexOf('\n')) {
        frames.push({ ...(JSON.parse(stdout.slice(0, nl)) as Frame), at: performance.now() });
        stdout = stdout.slice(nl + 1);
      }
    });
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const writer = createWriteStream(fifo);
    writer.write(wavHeader16(RATE, 1));
    let fed = 0;
    /** Writes audio up to `untilS` seconds at real time, in 100 ms pieces; returns when the last piece is written. */
    const feed = async (untilS: number) => {
      const started = performance.now() - (fed / RATE) * 1000;
      while (fed < untilS * RATE) {
        const piece = Math.min(RATE / 10, untilS * RATE - fed);
        writer.write(tone(fed, piece / RATE));
        fed += piece;
        await sleep(Math.max(0, started + (fed / RATE) * 1000 - performance.now()));
      }
      return performance.now();
    };
    const waitFor = async (count: number) => {
      for (let waited = 0; frames.length < count && waited < 60_000; waited += 20) await sleep(20);
      return frames.length >= count;
    };

    // Window 0 is complete at 10 s; feed 2 s more, then stop feeding (the FIFO stays open): its frame must come.
    const window0In = await feed(10);
    await feed(12);
    expect(await waitFor(1), `no frame while the stream stayed open; stderr: ${stderr}`).toBe(true);
    expect(stderr).toMatch(/model demo/); // the model line is out before the first frame, not after a batch
    const window1In = await feed(20);
    await feed(25);
    expect(await waitFor(2), stderr).toBe(true);
    process.kill(-(child.pid as number), 'SIGINT');
    const code = await exited;
    writer.destroy();

    expect(code, stderr).toBe(130);
    expect(frames.map((f) => f.window_seq)).toEqual([0, 1, 2]);
    expect(frames.slice(0, 2).map((f) => [f.start_s, f.end_s])).toEqual([[0, 10], [10, 20]]); // prettier-ignore
    // the window cut short by Ctrl-C: what had been decoded of the 5 s fed after 20 s
    expect(frames[2].start_s).toBe(20);
    expect(frames[2].end_s).toBeGreaterThan(21);
    expect(frames[2].end_s).toBeLessThanOrEqual(25);
    expect(frames.every((f) => f.concepts[0]?.label === 'tone')).toBe(true);

    // Reported, not asserted (tests do not assert wall-clock times): how long after its audio each frame came.
    const latencies = [frames[0].at - window0In, frames[1].at - window1In].map((ms) => `${(ms / 1000).toFixed(2)} s`);
    mkdirSync(join(ROOT, '.test-results'), { recursive: true });
    writeFileSync(
      join(ROOT, '.test-results', 'live-latency.md'),
      `tag on a FIFO fed at real time: frame 0 came ${latencies[0]} after its last sample was written, frame 1 ${latencies[1]}\n`,
    );
  }, 120_000);
});
