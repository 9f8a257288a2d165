import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './harness';
import { promtool, ruleFiles, startPrometheus, type PrometheusServer, type RuleStatus } from './support/prometheus';

/**
 * The alert rules of deploy/prometheus with Debian's promtool and prometheus: they load, their unit tests pass (and
 * fail when a rule changes), each alert carries what the on-call needs, and deploy/k8s carries the same rules.
 */

const DEPLOY = join(REPO_ROOT, 'deploy');
const TESTS_DIR = join(DEPLOY, 'prometheus', 'tests');
const testFiles = () =>
  readdirSync(TESTS_DIR)
    .filter((name) => name.endsWith('.test.yml'))
    .map((name) => join(TESTS_DIR, name));

describe('deploy/prometheus with promtool', () => {
  it('the rule files and the compose scrape configuration are valid', () => {
    const files = ruleFiles();
    expect(files.length).toBeGreaterThan(0);
    const rules = promtool(['check', 'rules', ...files]);
    expect(rules.output).toContain('SUCCESS');
    expect(rules.status, rules.output).toBe(0);
    const config = promtool(['check', 'config', join(DEPLOY, 'prometheus', 'prometheus.yml')]);
    expect(config.status, config.output).toBe(0);
  });

  it('the unit tests of the rules pass (promtool test rules)', () => {
    expect(testFiles().length).toBeGreaterThan(0);
    const result = promtool(['test', 'rules', ...testFiles()]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });

  it('the unit tests fail when an alert changes: a latency threshold of 60 s misses the 58.5 s of the test', () => {
    const copy = mkdtempSync(join(tmpdir(), 'ac-rules-'));
    try {
      cpSync(join(DEPLOY, 'prometheus'), join(copy, 'prometheus'), { recursive: true });
      const rules = join(copy, 'prometheus', 'rules', 'audio-concepts.rules.yml');
      const text = readFileSync(rules, 'utf8');
      const changed = text.replace('(rate(audio_concepts_end_to_end_latency_seconds_bucket[5m]))) > 30', '$& * 2');
      expect(changed).not.toBe(text);
      writeFileSync(rules, changed);
      const result = promtool(['test', 'rules', join(copy, 'prometheus', 'tests', 'audio-concepts.test.yml')]);
      expect(result.status).toBe(1);
      expect(result.output).toContain('alertname: EndToEndLatencyHigh');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('the alert rules as Prometheus loads them', () => {
  let prometheus: PrometheusServer;
  let rules: RuleStatus[];

  beforeAll(async () => {
    prometheus = await startPrometheus({ name: 'prometheus-rules', targets: [], ruleFiles: ruleFiles() });
    rules = await prometheus.waitForRulesEvaluated();
  }, 60_000);

  afterAll(() => prometheus?.stop());

  it('evaluates every rule without error', () => {
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
  });

  it('gives every alert a for:, a severity and the summary, description and runbook', () => {
    const alerts = rules.filter((r) => r.type === 'alerting');
    expect(alerts.map((a) => a.name).sort()).toEqual([
      'ConceptDriftAlarm',
      'ConsumerLagGrowing',
      'DeadLettersGrowing',
      'EndToEndLatencyHigh',
      'FidelityFalling',
      'KafkaUnreachable',
      'ServiceDown',
      'ServiceTargetMissing',
    ]);
    for (const alert of alerts) {
      expect(alert.duration, alert.name).toBeGreaterThan(0);
      expect(['info', 'warning', 'critical'], alert.name).toContain(alert.labels?.severity);
      for (const key of ['summary', 'description', 'runbook'])
        expect(alert.annotations?.[key] ?? '', `${alert.name}: ${key}`).toMatch(/\S/);
    }
  });

  it("deploy/k8s's PrometheusRule carries these rules (generate-monitoring.mjs --check, kubectl kustomize)", () => {
    const check = spawnSync(process.execPath, [join(DEPLOY, 'k8s', 'generate-monitoring.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(check.status, check.stderr).toBe(0);
    const rendered = execFileSync('kubectl', ['kustomize', join(DEPLOY, 'k8s')], { encoding: 'utf8' });
    const rule = rendered.split(/^---$/m).find((doc) => /^kind: PrometheusRule$/m.test(doc)) ?? '';
    const names = (pattern: RegExp) => [...rule.matchAll(pattern)].map((m) => m[1]);
    expect(names(/^ +(?:- )?alert: (\S+)$/gm)).toEqual(rules.filter((r) => r.type === 'alerting').map((r) => r.name));
    expect(names(/^ +(?:- )?record: (\S+)$/gm)).toEqual(rules.filter((r) => r.type === 'recording').map((r) => r.name));
  });

  it('generate-monitoring.mjs --check names the copy that is out of step with its source', () => {
    const copy = mkdtempSync(join(tmpdir(), 'ac-k8s-'));
    try {
      for (const dir of ['k8s', 'prometheus', 'grafana'])
        cpSync(join(DEPLOY, dir), join(copy, 'deploy', dir), { recursive: true });
      const rules = join(copy, 'deploy', 'prometheus', 'rules', 'audio-concepts.rules.yml');
      writeFileSync(rules, readFileSync(rules, 'utf8').replace('severity: critical', 'severity: page'));
      const script = join(copy, 'deploy', 'k8s', 'generate-monitoring.mjs');
      const check = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8', cwd: copy });
      expect(check.status).toBe(1);
      expect(check.stderr).toBe(
        'deploy/k8s/prometheus-rule.yaml is out of step with deploy/prometheus/rules/audio-concepts.rules.yml; ' +
          'run node deploy/k8s/generate-monitoring.mjs\n',
      );
      expect(spawnSync(process.execPath, [script], { cwd: copy }).status).toBe(0);
      expect(spawnSync(process.execPath, [script, '--check'], { cwd: copy }).status).toBe(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
