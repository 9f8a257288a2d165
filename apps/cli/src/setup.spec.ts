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
const PACKAGES = 'ffmpeg sox default-jre-headless maven kcat espeak-ng prometheus chromium build-essential';
const COMMANDS = 'ffmpeg ffprobe sox java mvn kcat espeak-ng prometheus promtool chromium cc';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'setup-sh-'));
});

/**
 * A PATH of one folder holding the real `dirname`, `tee`, `chmod` and `rm`, a stand-in `id` (the uid given), and the
 * stand-ins asked for. The stand-in apt-get also records what the policy-rc.d at `policy` answers, if there is one
 * (101: no service may start), as Debian's maintainer scripts ask it before starting a daemon.
 */
function pathWith(name: string, uid: number, tools: { aptGet?: boolean; sudo?: boolean }) {
  const bin = join(root, name);
  const log = join(root, `${name}.calls`);
  const policy = join(root, `${name}.policy-rc.d`);
  execFileSync('mkdir', ['-p', bin]);
  for (const tool of ['dirname', 'tee', 'chmod', 'rm'])
    symlinkSync(execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
  const script = (file: string, body: string) => {
    writeFileSync(join(bin, file), `#!${BASH}\n${body}\n`);
    chmodSync(join(bin, file), 0o755);
  };
  script('id', `echo ${uid}`);
  if (tools.aptGet)
    script(
      'apt-get',
      `echo "apt-get $*" >> ${log}\n` +
        `if [[ -x ${policy} ]]; then ${policy} prometheus start; echo "policy-rc.d prometheus start: $?" >> ${log}; fi`,
    );
  if (tools.sudo) script('sudo', `echo "sudo $*" >> ${log}`);
  return { path: bin, policy, calls: () => (existsSync(log) ? readFileSync(log, 'utf8') : '') };
}

function setup(path: string, ...args: string[]) {
  return setupWith({ PATH: path }, ...args);
}

/** setup.sh with `env` (PATH, SETUP_POLICY_RC_D: where it puts its policy-rc.d instead of /usr/sbin/policy-rc.d). */
function setupWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(BASH, [SETUP, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { HOME: root, ...env },
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
    expect(r.stderr).toContain(`setup: missing: ${COMMANDS}`);
    expect(r.stderr).toContain('cannot install them here: not root, and sudo is not installed');
    expect(r.stderr).toContain(`sudo apt-get install -y --no-install-recommends ${PACKAGES}`);
    expect(r.stderr).toContain('kcat (a non-JS Kafka client the fault suite checks with)');
    expect(r.stderr).toContain('promtool (lints every service');
    expect(r.stderr).toContain('chromium (a headless browser');
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
    expect(r.stderr).toContain(`setup: missing: ${COMMANDS}`);
    expect(calls()).toBe('');
  });

  it('not root, with a sudo that works: installs the missing packages through it', () => {
    const { path, calls } = pathWith('with-sudo', 1000, { aptGet: true, sudo: true });
    const r = setup(path);
    // The stand-ins install nothing, so the run stops later (no Node.js on this PATH); what matters is the call.
    expect(calls()).toContain(`sudo apt-get install -y -qq --no-install-recommends ${PACKAGES}`);
    expect(r.stderr).toContain(`setup: installing ${PACKAGES}`);
  });

  it("installs prometheus without starting Debian's daemon on :9090: a policy-rc.d forbids starts during apt-get, then goes", () => {
    const { path, policy, calls } = pathWith('root-install', 0, { aptGet: true });
    const r = setupWith({ PATH: path, SETUP_POLICY_RC_D: policy });
    expect(calls()).toContain(`apt-get install -y -qq --no-install-recommends ${PACKAGES}`);
    expect(calls()).toContain('policy-rc.d prometheus start: 101');
    expect(existsSync(policy), 'the policy-rc.d it put there is gone').toBe(false);
    expect(r.stderr).toContain('setup: installing');
  });

  it("leaves a policy-rc.d that was there (a container's, the admin's) as it was", () => {
    const { path, policy, calls } = pathWith('own-policy', 0, { aptGet: true });
    const own = "#!/bin/sh\n# the admin's\nexit 101\n";
    writeFileSync(policy, own);
    chmodSync(policy, 0o755);
    setupWith({ PATH: path, SETUP_POLICY_RC_D: policy });
    expect(calls()).toContain('policy-rc.d prometheus start: 101');
    expect(readFileSync(policy, 'utf8')).toBe(own);
  });

  it('--check on this machine, set up by the README command: everything is here', () => {
    const r = setup(process.env['PATH'] ?? '', '--check');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('everything the tests need is here');
  });
});
