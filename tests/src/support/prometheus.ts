import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, LOG_DIR, REPO_ROOT } from '../harness';

/**
 * A real Prometheus (Debian's `prometheus` package) for the end-to-end tests: started on 127.0.0.1 with a generated
 * configuration (scrape and rule evaluation every second), the repo's alert rules and storage in a temporary
 * directory, and queried through its HTTP API.
 */

export const RULES_DIR = join(REPO_ROOT, 'deploy', 'prometheus', 'rules');
export const DASHBOARD = join(REPO_ROOT, 'deploy', 'grafana', 'dashboards', 'audio-concepts.json');

/** The repo's alert rule files (deploy/prometheus/rules/*.rules.yml). */
export function ruleFiles(): string[] {
  return readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.rules.yml'))
    .sort()
    .map((name) => join(RULES_DIR, name));
}

const INSTALL_HINT =
  "install it with `sudo apt-get install -y prometheus` (Debian's package, with promtool; tools/test/setup.sh " +
  'installs it)';

/** A binary of the prometheus package: `$variable`, else `name` on PATH; throws with the install line when missing. */
export function prometheusBinary(name = 'prometheus', variable = 'PROMETHEUS_BIN'): string {
  const given = process.env[variable];
  if (given) {
    if (!existsSync(given)) throw new Error(`${variable}=${given} does not exist; ${INSTALL_HINT}`);
    return given;
  }
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  const found = dirs.map((dir) => join(dir, name)).find((file) => existsSync(file));
  if (!found) throw new Error(`${name} is not on PATH (${dirs.join(delimiter)}); ${INSTALL_HINT}`);
  return found;
}

/** Debian's promtool (same package): runs it, returning its exit status and output. */
export function promtool(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(prometheusBinary('promtool', 'PROMTOOL_BIN'), args, { encoding: 'utf8', cwd: REPO_ROOT });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A /metrics endpoint to scrape: `url` like http://127.0.0.1:8081/metrics, or https:// (certificate not checked). */
export interface ScrapeTarget {
  job: string;
  url: string;
}

export interface PrometheusOptions {
  /** may be empty: a Prometheus that only evaluates rules */
  targets: readonly ScrapeTarget[];
  /** rule files to load; default: none */
  ruleFiles?: readonly string[];
  /** a name for the log file */
  name?: string;
}

/** One element of an instant vector (a scalar result is one element without labels). */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

/** A rule as Prometheus' /api/v1/rules reports it. */
export interface RuleStatus {
  name: string;
  query: string;
  type: 'alerting' | 'recording';
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  /** alerting rules: `for:` in seconds, labels, annotations (templates unexpanded), state (inactive, pending, firing) */
  duration?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  state?: string;
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

/**
 * The configuration for `targets` (JSON, which Prometheus reads as YAML): one scrape job per job name, every second,
 * https without checking the certificate (the services' self-signed ones).
 */
export function scrapeConfig(targets: readonly ScrapeTarget[], files: readonly string[] = []): object {
  const jobs = new Map<string, URL[]>();
  for (const { job, url } of targets) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new Error(`scrape target ${url} (job ${job}): expected an http:// or https:// URL`);
    const first = jobs.get(job)?.[0];
    if (first && (first.protocol !== parsed.protocol || first.pathname !== parsed.pathname))
      throw new Error(`scrape targets ${first.href} and ${url} of job ${job}: one scheme and path per job`);
    jobs.set(job, [...(jobs.get(job) ?? []), parsed]);
  }
  return {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [...files],
    scrape_configs: [...jobs].map(([job, urls]) => ({
      job_name: job,
      scheme: urls[0].protocol.slice(0, -1),
      metrics_path: urls[0].pathname,
      ...(urls[0].protocol === 'https:' ? { tls_config: { insecure_skip_verify: true } } : {}),
      static_configs: [{ targets: urls.map((u) => u.host) }],
    })),
  };
}

/** A running Prometheus; `stop()` ends it and deletes its storage. */
export class PrometheusServer {
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly logFile: string,
    private readonly targetCount: number,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve();
      }),
    );
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The end of its log, for messages. */
  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** GET /api/v1/<path>; throws with Prometheus' own error text when it answers an error. */
  async api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const url = `${this.url}/api/v1/${path}?${new URLSearchParams(params)}`;
    const response = await fetch(url);
    const text = await response.text();
    let answer: ApiAnswer<T>;
    try {
      answer = JSON.parse(text) as ApiAnswer<T>;
    } catch {
      throw new Error(`GET ${url}: ${response.status}, not JSON: ${text.slice(0, 300)}`);
    }
    if (answer.status !== 'success' || answer.data === undefined)
      throw new Error(`${answer.errorType ?? response.status}: ${answer.error ?? text.slice(0, 300)}`);
    return answer.data;
  }

  /** An instant query: its vector (a scalar as one sample without labels). Throws with Prometheus' error text. */
  async query(promql: string): Promise<Sample[]> {
    let data: { resultType: string; result: unknown };
    try {
      data = await this.api('query', { query: promql });
    } catch (error) {
      throw new Error(`PromQL ${JSON.stringify(promql)}: ${(error as Error).message}`);
    }
    if (data.resultType === 'vector')
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
        metric: r.metric,
        value: sampleValue(r.value[1]),
      }));
    if (data.resultType === 'scalar') return [{ metric: {}, value: sampleValue((data.result as [number, string])[1]) }];
    throw new Error(`PromQL ${JSON.stringify(promql)}: a ${data.resultType} result, expected an instant vector`);
  }

  /** Waits until every configured target has been scraped successfully; throws naming those that were not. */
  async waitForTargetsUp(timeoutMs = 60_000): Promise<void> {
    type Target = { labels: Record<string, string>; scrapeUrl: string; health: string; lastError: string };
    const deadline = Date.now() + timeoutMs;
    let targets: Target[] = [];
    for (;;) {
      if (!this.running) throw new Error(`prometheus exited (code ${this.exitCode}):\n${this.logTail()}`);
      targets = (await this.api<{ activeTargets: Target[] }>('targets', { state: 'active' })).activeTargets;
      if (targets.length === this.targetCount && targets.every((t) => t.health === 'up')) return;
      if (Date.now() > deadline) break;
      await sleep(250);
    }
    const states = targets.map(
      (t) => `${t.labels.job} ${t.scrapeUrl}: ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`,
    );
    throw new Error(
      `not every scrape target is up after ${timeoutMs / 1000} s (${targets.length} of ${this.targetCount} known): ` +
        states.join('; '),
    );
  }

  /** Every loaded rule with its health. */
  async rules(): Promise<RuleStatus[]> {
    const data = await this.api<{ groups: { rules: RuleStatus[] }[] }>('rules');
    return data.groups.flatMap((g) => g.rules);
  }

  /** Waits until every loaded rule has been evaluated at least once (health no longer `unknown`). */
  async waitForRulesEvaluated(timeoutMs = 30_000): Promise<RuleStatus[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rules = await this.rules();
      if (rules.length > 0 && rules.every((r) => r.health !== 'unknown')) return rules;
      if (Date.now() > deadline)
        throw new Error(`rules not evaluated after ${timeoutMs / 1000} s: ${rules.map((r) => r.name).join(', ')}`);
      await sleep(250);
    }
  }

  /** SIGTERM, SIGKILL after 10 s; waits for the exit, then deletes the storage. */
  async stop(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts Prometheus on a free port of 127.0.0.1 and waits until it is ready (/-/ready). */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const binary = prometheusBinary();
  const dir = mkdtempSync(join(tmpdir(), 'ac-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(scrapeConfig(options.targets, options.ruleFiles), null, 2));
  const port = await freePort();
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${options.name ?? 'prometheus'}-${port}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir, logFile, options.targets.length);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!server.running) {
      await server.stop();
      throw new Error(`prometheus exited before it was ready:\n${server.logTail()}`);
    }
    if ((await status(`${server.url}/-/ready`)) === 200) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`prometheus was not ready at ${server.url}/-/ready within 30 s:\n${server.logTail()}`);
    }
    await sleep(100);
  }
}

/** A query of the dashboard, with Grafana's variables replaced: where it comes from and the PromQL. */
export interface DashboardQuery {
  /** `panel "Consumer lag per group" A`, `annotation "Drift alarms"`, `variable "stream_group"` */
  source: string;
  expr: string;
}

/** Values of Grafana's built-in variables for an instant query at the end of a 1 h range. */
const BUILT_IN: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __interval_ms: '15000',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
};

interface DashboardJson {
  panels?: PanelJson[];
  annotations?: {
    list?: { name?: string; expr?: string; target?: { expr?: string }; datasource?: { type?: string } }[];
  };
  templating?: { list?: VariableJson[] };
}

interface PanelJson {
  title?: string;
  targets?: { refId?: string; expr?: string; hide?: boolean }[];
  panels?: PanelJson[];
}

interface VariableJson {
  name: string;
  type: string;
  query?: string | { query?: string };
  includeAll?: boolean;
  allValue?: string;
  current?: { value?: string | string[] };
}

/**
 * Every PromQL query of a Grafana dashboard — panel targets, Prometheus annotations and query variables — with its
 * variables substituted: `$var`, `${var}`, `${var:fmt}`, `[[var]]` take `values[var]`, else the variable's "All"
 * value (a multi-value variable) or its current value; Grafana's `$__rate_interval`, `$__interval`, `$__range` …
 * the values of an instant query over the last hour. A variable the dashboard does not define is an error.
 */
export function dashboardQueries(file: string, values: Record<string, string> = {}): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as DashboardJson;
  const variables: Record<string, string> = { ...BUILT_IN };
  for (const v of dashboard.templating?.list ?? []) variables[v.name] = values[v.name] ?? defaultValue(v);
  const queries: { source: string; expr: string }[] = [];
  const walk = (panels: PanelJson[] = []) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? [])
        if (target.expr && !target.hide)
          queries.push({ source: `panel "${panel.title}" ${target.refId ?? ''}`.trim(), expr: target.expr });
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  for (const annotation of dashboard.annotations?.list ?? []) {
    const expr = annotation.target?.expr ?? annotation.expr;
    if (expr) queries.push({ source: `annotation "${annotation.name}"`, expr });
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (query) queries.push({ source: `variable "${variable.name}"`, expr: variableQuery(query, variable.name) });
  }
  return queries.map(({ source, expr }) => ({ source, expr: substitute(expr, variables, source) }));
}

function defaultValue(variable: VariableJson): string {
  if (variable.includeAll) return variable.allValue ?? '.*';
  const current = variable.current?.value;
  return Array.isArray(current) ? (current[0] ?? '') : (current ?? '');
}

/** Grafana's variable query functions as the PromQL that shows whether they can answer. */
function variableQuery(query: string, name: string): string {
  const labelValues = /^\s*label_values\(\s*(?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/s.exec(query);
  if (labelValues) {
    const [, selector, label] = labelValues;
    return `group by (${label}) (${selector ?? `{${label}!=""}`})`;
  }
  const result = /^\s*query_result\((.+)\)\s*$/s.exec(query);
  if (result) return result[1];
  throw new Error(`variable "${name}": query ${JSON.stringify(query)} is not label_values(…) or query_result(…)`);
}

function substitute(expr: string, variables: Record<string, string>, source: string): string {
  return expr.replace(
    /\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g,
    (match, braced?: string, bracketed?: string, plain?: string) => {
      const name = braced ?? bracketed ?? plain ?? '';
      const value = variables[name];
      if (value === undefined) throw new Error(`${source}: ${match} is not a variable of the dashboard`);
      return value;
    },
  );
}

function sampleValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

async function status(url: string): Promise<number | string> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return (error as Error).message;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
