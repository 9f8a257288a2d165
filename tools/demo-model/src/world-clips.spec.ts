import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** The built script (the test target builds first). */
const SCRIPT = join(__dirname, '..', 'dist', 'world-clips.js');
const dirs: string[] = [];
const run = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'world-clips-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('world-clips.js', () => {
  it('writes per-kind clips of each kind as 48 kHz 16-bit WAV and lists them; the same seed gives the same files', () => {
    const [a, b] = [fresh(), fresh()];
    for (const dir of [a, b]) expect(run(dir, '--seed', '7', '--per-kind', '3').status).toBe(0);
    const rows = readFileSync(join(a, 'clips.tsv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('file\tkind\tseconds\tdescription');
    expect(rows.slice(1).map((r) => r.split('\t').slice(0, 3))).toEqual([
      ['single-000.wav', 'single', '10.00'],
      ['single-001.wav', 'single', '20.00'],
      ['single-002.wav', 'single', expect.stringMatching(/^\d\.\d\d$/)],
      ['mixture-000.wav', 'mixture', '10.00'],
      ['mixture-001.wav', 'mixture', '20.00'],
      ['mixture-002.wav', 'mixture', expect.stringMatching(/^\d\.\d\d$/)],
      ['sequence-000.wav', 'sequence', '10.00'],
      ['sequence-001.wav', 'sequence', '20.00'],
      ['sequence-002.wav', 'sequence', expect.stringMatching(/^\d\.\d\d$/)],
    ]);
    for (const file of readdirSync(a))
      expect(readFileSync(join(b, file)).equals(readFileSync(join(a, file))), file).toBe(true);
    const wav = readFileSync(join(a, 'single-001.wav'));
    expect([wav.readUInt32LE(24), wav.readUInt16LE(34), wav.readUInt32LE(40)]).toEqual([48_000, 16, 20 * 48_000 * 2]);
  });

  it('refuses a missing folder or a bad count with its usage', () => {
    for (const args of [[], [fresh(), '--per-kind', '0'], [fresh(), '--seed', 'x']]) {
      const r = run(...args);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('usage: world-clips.js <dir>');
    }
  });
});
