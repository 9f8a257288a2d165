import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * tools/test/setup.sh, the first half of the README's test command, run as a user runs it, on a PATH made for each
 * case: which programs exist, whether this is root, whether sudo and apt-get are there. A stand-in apt-get records
 * its calls, so no case installs anything.
 */
const ROOT = join(__dirname, '..', '..', '..');
const SETUP = join(ROOT, 'tools', 'test', 'setup.sh');
const BASH = execFileSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();
const PACKAGES = 'ffmpeg sox default-jre-headless maven kcat espeak-ng';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'setup-sh-'));
});

/** A PATH of one folder holding the real `dirname`, a stand-in `id` (the uid given), and the stand-ins asked for. */
function pathWith(name: string, uid: number, tools: { aptGet?: boolean; sudo?: boolean }) {
  const bin = join(root, name);
  const log = join(root, `${name}.calls`);
  execFileSync('mkdir', ['-p', bin]);
  symlinkSync(execFileSync('bash', ['-c', 'command -v dirname'], { encoding: 'utf8' }).trim(), join(bin, 'dirname'));
  const script = (file: string, body: string) => {
    writeFileSync(join(bin, file), `#!${BASH}\n${body}\n`);
    chmodSync(join(bin, file), 0o755);
  };
  script('id', `echo ${uid}`);
  if (tools.aptGet) script('apt-get', `echo "apt-get $*" >> ${log}`);
  if (tools.sudo) script('sudo', `echo "sudo $*" >> ${log}`);
  return { path: bin, calls: () => (existsSync(log) ? readFileSync(log, 'utf8') : '') };
}

function setup(path: string, ...args: string[]) {
  const r = spawnSync(BASH, [SETUP, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: path, HOME: root },
    input: '', // no terminal: a sudo that wants a password cannot ask
    timeout: 30_000,
  });
  return { code: r.status, stderr: r.stderr };
}

describe('tools/test/setup.sh', () => {
  it('not root and no sudo: says exactly what to install, installs nothing, exit 1', () => {
    const { path, calls } = pathWith('no-sudo', 1000, { aptGet: true });
    const r = setup(path);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('setup: missing: ffmpeg ffprobe sox java mvn kcat espeak-ng');
    expect(r.stderr).toContain('cannot install them here: not root, and sudo is not installed');
    expect(r.stderr).toContain(`sudo apt-get install -y --no-install-recommends ${PACKAGES}`);
    expect(r.stderr).toContain('kcat (a non-JS Kafka client the fault suite checks with)');
    expect(calls()).toBe('');
  });

  it('no apt-get: the same list, and why', () => {
    const { path } = pathWith('no-apt', 0, {});
    const r = setup(path);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('cannot install them here: apt-get is not here');
    expect(r.stderr).toContain(`apt-get install -y --no-install-recommends ${PACKAGES}`);
  });

  it('--check: lists what is missing and installs nothing, even where it could', () => {
    const { path, calls } = pathWith('check', 0, { aptGet: true });
    const r = setup(path, '--check');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('setup: missing: ffmpeg ffprobe sox java mvn kcat espeak-ng');
    expect(calls()).toBe('');
  });

  it('not root, with a sudo that works: installs the missing packages through it', () => {
    const { path, calls } = pathWith('with-sudo', 1000, { aptGet: true, sudo: true });
    const r = setup(path);
    // The stand-ins install nothing, so the run stops later (no Node.js on this PATH); what matters is the call.
    expect(calls()).toContain(`sudo apt-get install -y -qq --no-install-recommends ${PACKAGES}`);
    expect(r.stderr).toContain(`setup: installing ${PACKAGES}`);
  });

  it('--check on this machine, set up by the README command: everything is here', () => {
    const r = setup(process.env['PATH'] ?? '', '--check');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('everything the tests need is here');
  });
});
