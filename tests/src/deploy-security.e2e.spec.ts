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

/** `kubectl kustomize <dir>` (default deploy/k8s), one string per document. */
function kustomized(dir = K8S): string[] {
  const text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return text.split(/^---$/m).map((doc) => doc.trim());
}

const kindAndName = (doc: string) => [/^kind: (\S+)$/m.exec(doc)?.[1], /^ {2}name: (\S+)$/m.exec(doc)?.[1]];

/** The rendered document of `kind` named `name`. */
const find = (all: string[], kind: string, name: string) =>
  all.find((doc) => kindAndName(doc).join('/') === `${kind}/${name}`)!;

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
  const deployment = (name: string) => find(docs, 'Deployment', name);

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

describe('deploy/k8s scaling (KEDA) and deploy/k8s-gpu', () => {
  const docs = kustomized();
  /** The partitions of a KafkaTopic of topics.yaml, by its topicName (or name). */
  const partitions = (topic: string) => {
    const doc = docs.find((d) => kindAndName(d)[0] === 'KafkaTopic' && new RegExp(`topicName: ${topic.replace(/\./g, '\\.')}$`, 'm').test(d)); // prettier-ignore
    return Number(/^ {2}partitions: (\d+)$/m.exec(doc ?? '')?.[1]);
  };
  const config = find(docs, 'ConfigMap', 'audio-concepts-config');
  const configValue = (key: string) => new RegExp(`^ {2}${key}: (\\S+)$`, 'm').exec(config)?.[1];

  it.each([
    ['encoder', 'ENCODER_GROUP', 'audio.windows.v1'],
    ['decomposer', 'DECOMPOSER_GROUP', 'audio.embeddings.v1'],
  ])(
    "%s: a ScaledObject on its group's lag, no more replicas than partitions, and no HPA of its own",
    (name, group, topic) => {
      const scaled = find(docs, 'ScaledObject', name);
      expect(scaled).toMatch(/^apiVersion: keda\.sh\/v1alpha1$/m);
      expect(scaled).toMatch(new RegExp(`scaleTargetRef:\\n +name: ${name}$`, 'm'));
      expect(find(docs, 'Deployment', name)).toBeDefined();
      expect(scaled).toMatch(/- metadata:[\s\S]*type: kafka/);
      expect(scaled).toMatch(new RegExp(`consumerGroup: ${configValue(group)}$`, 'm'));
      expect(scaled).toMatch(new RegExp(`topic: ${topic.replace(/\./g, '\\.')}$`, 'm'));
      expect(scaled).toMatch(/allowIdleConsumers: "false"$/m);
      expect(scaled).toMatch(/lagThreshold: "\d+"$/m);
      const max = Number(/^ {2}maxReplicaCount: (\d+)$/m.exec(scaled)?.[1]);
      expect(max).toBeGreaterThan(1);
      expect(max).toBeLessThanOrEqual(partitions(topic));
      expect(docs.filter((doc) => kindAndName(doc)[0] === 'HorizontalPodAutoscaler')).toEqual([]);
    },
  );

  it('the GPU overlay runs the encoders on CUDA, one GPU each, on GPU nodes, with KEDA capped at the GPUs', () => {
    const gpu = kustomized(join(REPO_ROOT, 'deploy', 'k8s-gpu'));
    const encoder = find(gpu, 'Deployment', 'encoder');
    expect(envEntry(encoder, 'DEVICE')).toMatch(/value: cuda$/m);
    expect(encoder).toMatch(/^ +nvidia\.com\/gpu: 1$/m);
    expect(encoder).toMatch(/nodeSelector:\n +nvidia\.com\/gpu\.present: "true"/);
    expect(encoder).toMatch(/- effect: NoSchedule\n +key: nvidia\.com\/gpu\n +operator: Exists/);
    expect(encoder).toMatch(/image: registry\.example\.com\/audio-concepts:0\.1\.0-gpu$/m);
    const scaled = find(gpu, 'ScaledObject', 'encoder');
    expect(Number(/^ {2}maxReplicaCount: (\d+)$/m.exec(scaled)?.[1])).toBeLessThanOrEqual(
      partitions('audio.windows.v1'),
    );
    // the rest is the CPU stack's
    expect(find(gpu, 'Deployment', 'decomposer')).toBe(find(docs, 'Deployment', 'decomposer'));
    expect(envEntry(find(docs, 'Deployment', 'encoder'), 'DEVICE')).toMatch(/value: cpu$/m);
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
