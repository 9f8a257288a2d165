import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status, type ChannelCredentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGrpcHealth } from '@audio-concepts/decomposer-service';
import { authorization, grpcError, listConceptSpaces } from '@audio-concepts/decomposer-service/testing';
import { launchService, type LaunchedService } from '@audio-concepts/platform-launcher';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { getStatus, selfSignedCertificate } from '@audio-concepts/platform-runtime/testing';
import { DecomposerClient } from '@audio-concepts/shared-contracts';
import { demoConceptSpaceDir } from './demo-space';
import { freePort, LOG_DIR, REPO_ROOT } from './harness';

/**
 * The built decomposer (apps/decomposer/dist/main.js, gRPC only) with the security settings of a deployment: a
 * bearer token on gRPC (DECOMPOSER_TOKEN), TLS on gRPC (GRPC_TLS_CERT_FILE/KEY_FILE) and on HTTP
 * (TLS_CERT_FILE/KEY_FILE, the shared service bootstrap), with a self-signed certificate made here by openssl.
 */

const SCRIPT = join(REPO_ROOT, 'apps', 'decomposer', 'dist', 'main.js');
const TOKEN = randomBytes(32).toString('base64url');
const bearer = (token: string) => authorization(`Bearer ${token}`);

/** Starts the built decomposer with `env`; its HTTP port and gRPC address. */
async function start(env: Record<string, string>, name: string) {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const service = launchService({
    name,
    script: SCRIPT,
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      GRPC_PORT: String(grpcPort),
      DECOMPOSER_KAFKA: 'off',
      CONCEPT_SPACE: await demoConceptSpaceDir(),
      ...env,
    },
    logFile: join(LOG_DIR, `${name}-${port}.log`),
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  });
  return { service, port, address: `127.0.0.1:${grpcPort}`, logFile: join(LOG_DIR, `${name}-${port}.log`) };
}

/** Waits until `service` exits; its log. */
async function exitLogOf(started: { service: LaunchedService; logFile: string }): Promise<string> {
  await waitFor(() => !started.service.running, `${started.service.name} to exit`, 30_000);
  return readFileSync(started.logFile, 'utf8');
}

describe('the built decomposer with a token and TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-security-e2e-'));
  const { certFile, keyFile } = selfSignedCertificate(dir);
  const ca = readFileSync(certFile);
  const tls: ChannelCredentials = credentials.createSsl(ca);
  let started: Awaited<ReturnType<typeof start>>;
  let client: DecomposerClient;

  beforeAll(async () => {
    started = await start(
      {
        DECOMPOSER_TOKEN: TOKEN,
        GRPC_TLS_CERT_FILE: certFile,
        GRPC_TLS_KEY_FILE: keyFile,
        TLS_CERT_FILE: certFile,
        TLS_KEY_FILE: keyFile,
      },
      'decomposer-secure',
    );
    const readyz = `https://127.0.0.1:${started.port}/readyz`;
    await waitFor(
      async () => {
        if (!started.service.running)
          throw new Error(`the decomposer exited: ${readFileSync(started.logFile, 'utf8')}`);
        return (await getStatus(readyz, ca)) === 200;
      },
      `${readyz} to answer 200`,
      90_000,
      250,
    );
    client = new DecomposerClient(started.address, tls);
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await started?.service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /readyz over HTTPS only', async () => {
    expect(await getStatus(`https://127.0.0.1:${started.port}/readyz`, ca)).toBe(200);
    expect(await getStatus(`http://127.0.0.1:${started.port}/readyz`)).not.toBe(200);
  });

  it('serves gRPC calls that carry the token, over TLS', async () => {
    const { spaces } = await listConceptSpaces(client, bearer(TOKEN));
    expect(spaces).toHaveLength(1);
  });

  it('refuses calls without the token, or with another one: UNAUTHENTICATED', async () => {
    const none = await grpcError(listConceptSpaces(client));
    expect(none.code).toBe(status.UNAUTHENTICATED);
    expect(none.details).toBe(
      "no bearer token: send the metadata 'authorization: Bearer <token>' (the decomposer's DECOMPOSER_TOKEN)",
    );
    const wrong = await grpcError(listConceptSpaces(client, bearer(randomBytes(32).toString('base64url'))));
    expect(wrong.code).toBe(status.UNAUTHENTICATED);
    expect(wrong.details).toBe('the bearer token is not valid');
    expect(started.service.running).toBe(true);
  });

  it('answers health checks without a token; a plaintext client gets nothing', async () => {
    expect(await checkGrpcHealth(started.address, '', 5_000, tls)).toBe('SERVING');
    const plain = new DecomposerClient(started.address, credentials.createInsecure());
    try {
      expect((await grpcError(listConceptSpaces(plain, bearer(TOKEN)))).code).toBe(status.UNAVAILABLE);
    } finally {
      plain.close();
    }
  });
});

describe('the built decomposer refuses to start', () => {
  const services: LaunchedService[] = [];
  const exitLog = async (started: Awaited<ReturnType<typeof start>>) => {
    services.push(started.service);
    return exitLogOf(started);
  };
  afterAll(async () => Promise.all(services.map((service) => service.kill())));

  it('with a weak DECOMPOSER_TOKEN', async () => {
    const log = await exitLog(await start({ DECOMPOSER_TOKEN: 'change-me' }, 'decomposer-weak-token'));
    expect(log).toContain('DECOMPOSER_TOKEN is too weak: it has 9 characters; it must be at least 32 random bytes');
  });

  it('listening beyond loopback without a token', async () => {
    const log = await exitLog(await start({ GRPC_HOST: '0.0.0.0' }, 'decomposer-open'));
    expect(log).toContain(
      'DECOMPOSER_TOKEN is not set, but gRPC listens on 0.0.0.0, beyond this machine: set a token ' +
        '(openssl rand -base64 32), or DECOMPOSER_ALLOW_NO_TOKEN=true to serve without one',
    );
  });

  it('with half a TLS setting, naming what is missing', async () => {
    const log = await exitLog(
      await start({ GRPC_TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/x.pem' }, 'decomposer-half-tls'),
    );
    expect(log).toContain('GRPC_TLS_CERT_FILE is set but GRPC_TLS_KEY_FILE is not (both, or neither)');
  });
});
