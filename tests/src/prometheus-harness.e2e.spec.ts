import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { launchService, type LaunchedService } from '@audio-concepts/platform-launcher';
import { getStatus, selfSignedCertificate } from '@audio-concepts/platform-runtime/testing';
import { demoConceptSpaceDir } from './demo-space';
import { freePort, LOG_DIR, REPO_ROOT } from './harness';
import { dashboardQueries, prometheusBinary, startPrometheus, type PrometheusServer } from './support/prometheus';

/**
 * tests/src/support/prometheus.ts itself: Debian's Prometheus scrapes a service over HTTPS with a self-signed
 * certificate, says which target is down and why, answers a bad query with its own error text; the dashboard's
 * Grafana variables are substituted and an unknown one is refused; a missing binary names the install line.
 */

describe('the Prometheus harness against a service serving /metrics over HTTPS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ac-prometheus-harness-'));
  let decomposer: LaunchedService;
  let prometheus: PrometheusServer;
  let port: number;

  beforeAll(async () => {
    const { certFile, keyFile } = selfSignedCertificate(dir);
    port = await freePort();
    decomposer = launchService({
      name: 'decomposer-https',
      script: join(REPO_ROOT, 'apps', 'decomposer', 'dist', 'main.js'),
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        GRPC_PORT: String(await freePort()),
        DECOMPOSER_KAFKA: 'off',
        CONCEPT_SPACE: await demoConceptSpaceDir(),
        TLS_CERT_FILE: certFile,
        TLS_KEY_FILE: keyFile,
      },
      logFile: join(LOG_DIR, `decomposer-https-${port}.log`),
      readyUrl: `https://127.0.0.1:${port}/readyz`,
    });
    const ca = readFileSync(certFile);
    await waitFor(
      async () => {
        if (!decomposer.running) throw new Error('the decomposer exited; see its log in .test-results/e2e-logs');
        return (await getStatus(`https://127.0.0.1:${port}/readyz`, ca)) === 200;
      },
      'the decomposer to be ready over HTTPS',
      90_000,
      250,
    );
    prometheus = await startPrometheus({
      name: 'prometheus-harness',
      targets: [
        { job: 'decomposer-https', url: `https://127.0.0.1:${port}/metrics` },
        { job: 'decomposer-plain', url: `http://127.0.0.1:${port}/metrics` }, // the same port, wrong scheme
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await decomposer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the HTTPS target without checking its self-signed certificate', async () => {
    const up = async (job: string) => (await prometheus.query(`up{job="${job}"}`))[0]?.value;
    await waitFor(async () => (await up('decomposer-https')) === 1, 'the HTTPS target to be up', 20_000, 250);
    await waitFor(async () => (await up('decomposer-plain')) === 0, 'the plain HTTP target to be down', 20_000, 250);
    const started = await prometheus.query('process_start_time_seconds{job="decomposer-https"}');
    expect(started).toHaveLength(1);
    expect(started[0].value).toBeGreaterThan(0);
  });

  it('waitForTargetsUp names the target that is down and why', async () => {
    await expect(prometheus.waitForTargetsUp(2_000)).rejects.toThrow(
      new RegExp(`decomposer-plain http://127\\.0\\.0\\.1:${port}/metrics: down \\(.+\\)`),
    );
  });

  it("query() throws with Prometheus' error text", async () => {
    await expect(prometheus.query('sum(')).rejects.toThrow(/^PromQL "sum\(": bad_data: .*parse error/);
    await expect(prometheus.query('up[1m]')).rejects.toThrow('a matrix result, expected an instant vector');
  });
});

describe('dashboardQueries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ac-dashboard-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (dashboard: object) => {
    const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(dashboard));
    return file;
  };
  const templating = {
    list: [
      { name: 'stream_group', type: 'query', includeAll: true, allValue: '.*', query: { query: 'label_values(m, g)' } },
      { name: 'job', type: 'custom', current: { value: 'encoder' } },
    ],
  };

  it("substitutes Grafana's variables in panels (rows included), annotations and variable queries", () => {
    const file = write({
      templating,
      annotations: { list: [{ name: 'alarms', expr: 'a{g=~"${stream_group:regex}"} == 1' }] },
      panels: [
        {
          title: 'row',
          type: 'row',
          panels: [
            { title: 'inner', targets: [{ refId: 'A', expr: 'rate(x{g=~"$stream_group"}[$__rate_interval])' }] },
          ],
        },
        {
          title: 'outer',
          targets: [
            { refId: 'A', expr: 'increase(y{job="[[job]]"}[$__range]) / $__range_s' },
            { refId: 'B', expr: 'hidden{x="$nope"}', hide: true },
          ],
        },
      ],
    });
    expect(dashboardQueries(file)).toEqual([
      { source: 'panel "inner" A', expr: 'rate(x{g=~".*"}[1m])' },
      { source: 'panel "outer" A', expr: 'increase(y{job="encoder"}[1h]) / 3600' },
      { source: 'annotation "alarms"', expr: 'a{g=~".*"} == 1' },
      { source: 'variable "stream_group"', expr: 'group by (g) (m)' },
    ]);
    expect(dashboardQueries(file, { stream_group: 'street' })[0].expr).toBe('rate(x{g=~"street"}[1m])');
  });

  it('refuses a variable the dashboard does not define, naming the panel', () => {
    const file = write({ templating, panels: [{ title: 'lag', targets: [{ refId: 'C', expr: 'x{g="$group"}' }] }] });
    expect(() => dashboardQueries(file)).toThrow('panel "lag" C: $group is not a variable of the dashboard');
  });
});

describe('prometheusBinary', () => {
  it('names the install line when prometheus is missing', () => {
    const saved = process.env.PROMETHEUS_BIN;
    process.env.PROMETHEUS_BIN = '/nonexistent/prometheus';
    try {
      expect(() => prometheusBinary()).toThrow(
        'PROMETHEUS_BIN=/nonexistent/prometheus does not exist; install it with `sudo apt-get install -y prometheus`',
      );
    } finally {
      if (saved === undefined) delete process.env.PROMETHEUS_BIN;
      else process.env.PROMETHEUS_BIN = saved;
    }
    expect(() => prometheusBinary('no-such-prometheus', 'NO_SUCH_VARIABLE')).toThrow(
      /^no-such-prometheus is not on PATH \(.*\); install it with `sudo apt-get install -y prometheus`/,
    );
  });
});
