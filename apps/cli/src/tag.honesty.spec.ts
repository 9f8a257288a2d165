import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from './testing/cli.run';
import { HAS_SOX, makeAudio, soxCommand } from '@audio-concepts/ingest-audio/testing';

/**
 * What `tag` says about itself whatever the format: the model line and the demo notice on stderr, the model and
 * concept space in every record, progress on a terminal, and what weight and cosine mean. The demo model (built
 * by `npm run build`) is the one with the notice.
 */
const DEMO_MODEL = join(ROOT, 'models', 'clap-demo');
const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

let dir: string;
let file: string;

const tag = (...args: string[]) => runCli(['tag', ...args, '--cache-dir', join(dir, 'cache')]);

/** `tag` with stderr on a pseudo-terminal (util-linux `script`) and stdout into `out`: what a user sees. */
function tagOnTerminal(out: string, ...args: string[]) {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, BIN, 'tag', ...args, '--cache-dir', join(dir, 'cache')].map(quote).join(' ');
  const r = spawnSync('script', ['-q', '-e', '-c', `${command} > ${quote(out)}`, '/dev/null'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, terminal: r.stdout, stdout: readFileSync(out, 'utf8') };
}

const MODEL_LINE = /^model demo \(synthetic world, not CLAP\) \[([0-9a-f]+)\]/m;

beforeAll(() => {
  if (!existsSync(DEMO_MODEL)) throw new Error(`the demo model is missing (${DEMO_MODEL}); run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), 'tag-honesty-'));
  if (HAS_SOX) file = makeAudio(soxCommand(join(dir, 'hum.wav'), 'synth', '25', 'sine', '80', 'vol', '0.5'));
});

describe.skipIf(!HAS_SOX)('tag says what it ran, in every format', () => {
  it('--json: the model line and the demo notice on stderr; every object names the model and the concept space', () => {
    const r = tag(file, '--json');
    expect(r.code, r.stderr).toBe(0);
    const modelId = r.stderr.match(MODEL_LINE)?.[1];
    expect(modelId, r.stderr).toBeDefined();
    const frames = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(frames).toHaveLength(3);
    for (const f of frames) {
      // the DESIGN §4 keys first and unchanged, the new ones after them
      expect(Object.keys(f).slice(0, 7)).toEqual(['stream', 'window_seq', 'start_s', 'end_s', 'concepts', 'cosine', 'l0']); // prettier-ignore
      expect(f.model_id).toBe(modelId);
      expect(f.concept_space_id).toMatch(/^[0-9a-f]{8,}/);
    }
    expect(new Set(frames.map((f) => f.concept_space_id)).size).toBe(1);
  });

  it('--format csv: the model line on stderr, the model and concept space columns on stdout', () => {
    const r = tag(file, '--format', 'csv');
    expect(r.code, r.stderr).toBe(0);
    const modelId = r.stderr.match(MODEL_LINE)?.[1];
    const [header, ...rows] = r.stdout.trim().split('\n');
    const columns = header.split(',');
    expect(columns).toContain('model_id');
    expect(columns).toContain('concept_space_id');
    for (const row of rows) expect(row.split(',')[columns.indexOf('model_id')]).toBe(modelId);
  });

  it('--help says what weight and cosine mean', () => {
    const r = spawnSync(process.execPath, [BIN, 'tag', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^.*\bweight\b.*\bcosine\b.*$/m);
    expect(r.stdout).toContain('--batch');
    expect(r.stdout).toContain('--max-seconds');
  });

  describe.skipIf(!HAS_SCRIPT)('on a terminal', () => {
    it('progress on stderr with --json too; stdout stays pure JSON', () => {
      const r = tagOnTerminal(join(dir, 'out.json'), file, '--json');
      expect(r.code, r.terminal).toBe(0);
      expect(r.terminal).toContain(`${file}: 3/3 windows (100%`);
      expect(r.terminal).toMatch(MODEL_LINE);
      expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).window_seq)).toEqual([0, 1, 2]); // prettier-ignore
    });

    it('--no-progress turns it off', () => {
      const r = tagOnTerminal(join(dir, 'quiet.csv'), file, '--format', 'csv', '--no-progress');
      expect(r.code, r.terminal).toBe(0);
      expect(r.terminal).not.toContain('windows (');
      expect(r.terminal).toMatch(MODEL_LINE);
    });
  });
});
