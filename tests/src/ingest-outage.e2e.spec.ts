import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LaunchedService } from '@audio-concepts/platform-launcher';
import { lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT, startService } from './harness';
import { buildIngest, strongToken, upload } from './ingest-e2e.support';

/**
 * Ingest's readiness during a broker outage (issue 8, defect 6): a broker of this test's own (deploy/local/kafka.sh
 * with a KAFKA_HOME and ports of its own — never the shared one) is killed with SIGKILL and started again.
 */

const TOKEN = strongToken();
const KAFKA_SH = join(REPO_ROOT, 'deploy', 'local', 'kafka.sh');

describe('ingest during a broker outage', () => {
  let home: string;
  let brokerEnv: Record<string, string>;
  let broker: string;
  let ingest: LaunchedService & { baseUrl: string };
  let wav: string;

  function kafkaSh(command: 'start' | 'stop'): void {
    const run = spawnSync(KAFKA_SH, [command], { env: { ...process.env, ...brokerEnv }, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`kafka.sh ${command} failed: ${run.stderr}`);
  }

  const readyz = async () => {
    try {
      const response = await fetch(`${ingest.baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    } catch {
      return { status: 0, body: {} };
    }
  };

  beforeAll(async () => {
    buildIngest();
    home = mkdtempSync(join(tmpdir(), 'kafka-ingest-outage-'));
    // the broker's jars, fetched once for the shared broker (else kafka.sh fetches them with mvn)
    const jars = join(process.env.KAFKA_HOME ?? join(REPO_ROOT, '.kafka'), 'libs');
    if (existsSync(join(jars, '.complete'))) symlinkSync(jars, join(home, 'libs'));
    else mkdirSync(join(home, 'libs'));
    const [port, controllerPort] = [await freePort(), await freePort()];
    broker = `127.0.0.1:${port}`;
    brokerEnv = { KAFKA_HOME: home, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort) };
    kafkaSh('start');
    wav = makeAudio(lavfiCommand(join(home, 'a.wav'), 'sine=frequency=440', 12));
    ingest = await startService('ingest', { INGEST_TOKEN: TOKEN, KAFKA_BROKERS: broker });
  }, 240_000);

  afterAll(async () => {
    await ingest?.stop();
    if (home) {
      if (brokerEnv) kafkaSh('stop');
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  it('answers /readyz 503 with the reason while the broker is down, and 200 again once it is back', async () => {
    expect((await readyz()).status).toBe(200);
    expect((await upload(ingest.baseUrl, TOKEN, 'outage-before', readFileSync(wav))).status).toBe(200);

    process.kill(Number(readFileSync(join(home, 'kafka.pid'), 'utf8')), 'SIGKILL');
    await waitFor(async () => (await readyz()).status === 503, '/readyz to answer 503', 30_000, 500);
    await waitFor(
      async () => JSON.stringify((await readyz()).body).includes('kafka: Kafka does not answer'),
      '/readyz to name the broker',
      10_000,
      500,
    );
    const refused = await upload(ingest.baseUrl, TOKEN, 'outage-during', readFileSync(wav));
    expect(refused.status).toBe(503);

    kafkaSh('start');
    await waitFor(async () => (await readyz()).status === 200, '/readyz to answer 200 again', 90_000, 500);
    const after = await upload(ingest.baseUrl, TOKEN, 'outage-after', readFileSync(wav));
    expect(after).toMatchObject({ status: 200, json: { windows: 2, first_seq: 0 } });
  }, 180_000);

  it('takes the first upload once /readyz is 200 again after an outage in which nothing was sent', async () => {
    process.kill(Number(readFileSync(join(home, 'kafka.pid'), 'utf8')), 'SIGKILL');
    await waitFor(async () => (await readyz()).status === 503, '/readyz to answer 503', 30_000, 500);
    kafkaSh('start');
    await waitFor(async () => (await readyz()).status === 200, '/readyz to answer 200 again', 90_000, 500);
    const after = await upload(ingest.baseUrl, TOKEN, 'outage-quiet', readFileSync(wav));
    expect(after).toMatchObject({ status: 200, json: { windows: 2, first_seq: 0 } });
  }, 180_000);
});
