import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isServiceAlive, terminate } from './stack.processes';

const dir = mkdtempSync(join(tmpdir(), 'stack-processes-'));
let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/** A process that, on SIGTERM, stops showing `script` in its command line but runs on for `lingerMs`. */
function startLingering(lingerMs: number): { pid: number; script: string; exited: Promise<void> } {
  const script = join(dir, `lingering-${lingerMs}.js`);
  writeFileSync(
    script,
    `process.on('SIGTERM', () => { process.title = 'exiting'; setTimeout(() => process.exit(0), ${lingerMs}); });
     console.log('ready'); setInterval(() => {}, 1000);`,
  );
  child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
  return { pid: child.pid!, script, exited };
}

describe('terminate', () => {
  it('waits for the process itself to end, not only for its command line to change', async () => {
    // An exiting process loses its command line (the kernel frees its memory) before it ends; `stack down`
    // once returned while the supervisor was still exiting.
    const lingering = startLingering(1_500);
    await new Promise((resolve) => child!.stdout!.once('data', resolve));
    expect(isServiceAlive(lingering.pid, lingering.script)).toBe(true);
    let ended = false;
    void lingering.exited.then(() => (ended = true));
    expect(await terminate(lingering.pid, lingering.script, 10_000)).toBe('stopped');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toBe(true);
  });

  it('says gone for a pid that runs something else', async () => {
    const lingering = startLingering(0);
    await new Promise((resolve) => child!.stdout!.once('data', resolve));
    expect(await terminate(lingering.pid, join(dir, 'another.js'), 1_000)).toBe('gone');
    expect(isServiceAlive(lingering.pid, lingering.script)).toBe(true);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
