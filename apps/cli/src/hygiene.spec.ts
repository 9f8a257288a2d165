import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** What a user meets around the commands: npm in the repo, `--version`, and what `--help` says is required. */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('npm in the repo', () => {
  it('reads the project configuration without a warning', () => {
    const r = spawnSync('npm', ['config', 'list'], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Unknown project config/);
    expect(r.stderr).not.toMatch(/onnxruntime/);
  });

  it("denies onnxruntime-node's install script (its CUDA download) in package.json allowScripts", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
  });
});

describe('--version', () => {
  it("prints the repo's version (package.json, the same in apps/cli/package.json) and exits 0", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(JSON.parse(readFileSync(join(ROOT, 'apps', 'cli', 'package.json'), 'utf8')).version).toBe(version);
    for (const flag of ['--version', '-V']) {
      const r = run(flag);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });
});

describe('--help marks required options', () => {
  const required: [command: string[], flags: string[]][] = [
    [['decompose'], ['--concepts', '--embeddings', '--lambda']],
    [
      ['eval', 'zero-shot'],
      ['--audio', '--prompts', '--lambda'],
    ],
    [
      ['eval', 'retrieval'],
      ['--audio', '--captions', '--pairs', '--lambda'],
    ],
    [['eval', 'sweep'], ['--audio', '--concepts']],
    [['vocab', 'build'], ['--method', '--tags', '--size', '--out']],
  ];
  it.each(required)('%s', (command, flags) => {
    const r = run(...command, '--help');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    for (const flag of flags) {
      // the option's entry runs from its line to the next option: "(required)" ends the description
      const start = lines.findIndex((l) => l.trimStart().startsWith(`${flag} `));
      expect(start, `${flag} in\n${r.stdout}`).toBeGreaterThanOrEqual(0);
      const end = lines.findIndex((l, i) => i > start && /^  -/.test(l));
      expect(lines.slice(start, end).join(' '), flag).toContain('(required)');
    }
    const optional = lines.find((l) => l.trimStart().startsWith('--json'));
    expect(optional).not.toContain('(required)');
  });
});

describe('docs/DESIGN.md describes what exists', () => {
  const design = readFileSync(join(ROOT, 'docs', 'DESIGN.md'), 'utf8');

  it('links only files of the repo, and they exist', () => {
    const targets = [...design.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      expect(target, 'no links out of the repo').not.toMatch(/^[a-z]+:/i);
      const path = resolve(ROOT, 'docs', target.split('#')[0]);
      expect(relative(ROOT, path).startsWith('..'), `${target} is outside the repo`).toBe(false);
      expect(existsSync(path), `${target} does not exist`).toBe(true);
    }
    expect(design).not.toMatch(/\.\.\/shared/);
  });

  it('names an app that is not built only as (planned)', () => {
    const built = new Set(['cli', 'ingest', 'encoder', 'decomposer', 'metrics', 'trainer']);
    for (const line of design.split('\n')) {
      const named = [...line.matchAll(/apps\/\{?([a-z,]+)\}?/g)].flatMap((m) => m[1].split(','));
      for (const app of named.filter((a) => !built.has(a)))
        expect(line, `apps/${app} is not built`).toContain('(planned)');
    }
    for (const app of built) expect(existsSync(join(ROOT, 'apps', app)), app).toBe(true);
  });
});
