import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './harness';

/**
 * The deployment files' security defaults: what `kubectl apply -k deploy/k8s` would apply (rendered by the real
 * kustomize of kubectl) holds no secret of known value and takes the tokens from a Secret the operator creates;
 * docker compose publishes ports on 127.0.0.1 only unless told otherwise, and starts nothing without its tokens.
 */

const K8S = join(REPO_ROOT, 'deploy', 'k8s');
const COMPOSE = join(REPO_ROOT, 'deploy', 'compose', 'compose.yaml');

/** `kubectl kustomize deploy/k8s`, one string per document. */
function kustomized(): string[] {
  const text = execFileSync('kubectl', ['kustomize', K8S], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return text.split(/^---$/m).map((doc) => doc.trim());
}

const kindAndName = (doc: string) => [/^kind: (\S+)$/m.exec(doc)?.[1], /^ {2}name: (\S+)$/m.exec(doc)?.[1]];

/** The env entry `name` of a rendered Deployment: its lines up to the next entry. */
function envEntry(doc: string, name: string): string | undefined {
  const at = doc.search(new RegExp(`^ *- name: ${name}$`, 'm'));
  if (at < 0) return undefined;
  const rest = doc.slice(at).split('\n');
  const indent = rest[0].indexOf('-');
  const end = rest.findIndex((line, i) => i > 0 && line.search(/\S/) <= indent);
  return rest.slice(0, end < 0 ? undefined : end).join('\n');
}

describe('deploy/k8s (kubectl kustomize)', () => {
  const docs = kustomized();
  const deployment = (name: string) => docs.find((doc) => kindAndName(doc).join('/') === `Deployment/${name}`)!;

  it('applies no Secret: a token of known value is never deployed', () => {
    expect(docs.length).toBeGreaterThan(5);
    expect(docs.filter((doc) => kindAndName(doc)[0] === 'Secret').map(kindAndName)).toEqual([]);
    expect(docs.join('\n')).not.toMatch(/replace-me|change-me|changeme/i);
  });

  it('ingest, the decomposers and the metrics service take their tokens from the Secret audio-concepts-tokens', () => {
    for (const [name, variable, key] of [
      ['ingest', 'INGEST_TOKEN', 'ingest-token'],
      ['decomposer', 'DECOMPOSER_TOKEN', 'decomposer-token'],
      ['metrics', 'METRICS_TOKEN', 'ingest-token'], // the live page takes ingest's token
    ]) {
      const entry = envEntry(deployment(name), variable);
      expect(entry, `${name}: ${variable}`).toBeDefined();
      expect(entry).toMatch(/secretKeyRef:/);
      expect(entry).toMatch(new RegExp(`^ +key: ${key}$`, 'm'));
      expect(entry).toMatch(/^ +name: audio-concepts-tokens$/m);
      expect(entry).not.toMatch(/optional: true/);
    }
  });

  it('monitors every service: a ServiceMonitor each, the alert rules and the Grafana dashboard', () => {
    const named = (kind: string) =>
      docs.filter((doc) => kindAndName(doc)[0] === kind).map((doc) => kindAndName(doc)[1]);
    expect(named('ServiceMonitor').sort()).toEqual(['decomposer', 'encoder', 'ingest', 'metrics']);
    expect(named('Service').sort()).toEqual(['decomposer', 'encoder', 'ingest', 'metrics']);
    expect(named('PrometheusRule')).toEqual(['audio-concepts']);
    const dashboards = docs.find((doc) => kindAndName(doc).join('/') === 'ConfigMap/audio-concepts-dashboards');
    expect(dashboards).toMatch(/^ {4}grafana_dashboard: "1"$/m);
    expect(dashboards).toMatch(/^ {2}audio-concepts\.json: \|-?$/m);
  });
});

describe('deploy/compose/compose.yaml', () => {
  const compose = readFileSync(COMPOSE, 'utf8');
  /** Every published port, `${VAR:-default}` taking its default as docker compose would with VAR unset. */
  const published = [...compose.matchAll(/^\s*ports:\s*\[([^\]]*)\]/gm)].flatMap((m) =>
    [...m[1].matchAll(/'([^']*)'|"([^"]*)"/g)].map((q) => (q[1] ?? q[2]).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')),
  );

  it('publishes every port on 127.0.0.1 only, by default', () => {
    expect(compose).not.toMatch(/^\s*ports:\s*$/m); // block-style lists would escape the check below
    expect(published.length).toBeGreaterThanOrEqual(6);
    expect(published.filter((port) => !port.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('starts nothing without its tokens: no default value', () => {
    expect(compose).toMatch(/^\s+INGEST_TOKEN: \$\{INGEST_TOKEN:\?[^}]+\}$/m);
    expect(compose).toMatch(/^\s+DECOMPOSER_TOKEN: \$\{DECOMPOSER_TOKEN:\?[^}]+\}$/m);
    expect(compose).toMatch(/^\s+METRICS_TOKEN: \$\{INGEST_TOKEN:\?[^}]+\}$/m);
    expect(compose).toMatch(/^\s+GF_SECURITY_ADMIN_PASSWORD: \$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/m);
  });
});
