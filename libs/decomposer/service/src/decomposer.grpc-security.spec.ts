import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status, type ChannelCredentials, type Metadata } from '@grpc/grpc-js';
import { DecomposerClient, type DecomposeResponse } from '@audio-concepts/shared-contracts';
import { selfSignedCertificate } from '@audio-concepts/platform-runtime/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingsOf, smallSpace } from './__fixtures__/small-space';
import { DecomposerGrpcServer } from './decomposer.grpc-server';
import { DECOMPOSER_METRICS, DecomposerMetrics } from './decomposer.metrics';
import { Decomposer } from './decomposer.service';
import { checkGrpcHealth } from './health.client';
import { authorization as auth, grpcError, listConceptSpaces } from './testing';

const TOKEN = randomBytes(32).toString('base64url');
const DEADLINE_MS = 10_000;

function decompose(client: DecomposerClient, metadata: Metadata, n = 2): Promise<DecomposeResponse> {
  const request = {
    conceptSpaceId: '',
    lambda: 0,
    topK: 0,
    embeddings: embeddingsOf(n, 16),
    headId: '',
    maxConcepts: 0,
  };
  return new Promise((resolve, reject) =>
    client.decompose(request, metadata, { deadline: Date.now() + DEADLINE_MS }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

describe('DecomposerGrpcServer security', () => {
  const space = smallSpace();
  const registry = new Registry();
  const metrics = new DecomposerMetrics(registry);
  const decomposer = new Decomposer({ spaces: [space], lambda: 0.15, metrics });
  const dir = mkdtempSync(join(tmpdir(), 'grpc-security-'));
  const servers: DecomposerGrpcServer[] = [];
  const clients: DecomposerClient[] = [];

  async function serve(
    options: Partial<ConstructorParameters<typeof DecomposerGrpcServer>[0]>,
    creds?: ChannelCredentials,
  ) {
    const server = new DecomposerGrpcServer({ decomposer, metrics, ...options });
    servers.push(server);
    const address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
    const client = new DecomposerClient(address, creds ?? credentials.createInsecure());
    clients.push(client);
    return { address, client };
  }

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all(servers.map((server) => server.close()));
    await space.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('with a token', () => {
    let client: DecomposerClient;
    let address: string;
    beforeAll(async () => ({ client, address } = await serve({ token: TOKEN })));

    it('a call without credentials: UNAUTHENTICATED, saying what to send', async () => {
      for (const call of [decompose(client, auth()), listConceptSpaces(client, auth())]) {
        const error = await grpcError(call);
        expect(error.code).toBe(status.UNAUTHENTICATED);
        expect(error.details).toBe(
          "no bearer token: send the metadata 'authorization: Bearer <token>' (the decomposer's DECOMPOSER_TOKEN)",
        );
      }
    });

    it('a wrong token, or another scheme: UNAUTHENTICATED', async () => {
      const wrong = await grpcError(decompose(client, auth(`Bearer ${randomBytes(32).toString('base64url')}`)));
      expect(wrong.code).toBe(status.UNAUTHENTICATED);
      expect(wrong.details).toBe('the bearer token is not valid');
      const prefix = await grpcError(decompose(client, auth(`Bearer ${TOKEN.slice(0, -1)}`)));
      expect(prefix.details).toBe('the bearer token is not valid');
      const basic = await grpcError(decompose(client, auth(`Basic ${TOKEN}`)));
      expect(basic.code).toBe(status.UNAUTHENTICATED);
      expect(basic.details).toBe("the authorization metadata is not 'Bearer <token>'");
    });

    it('the right token: the call is served', async () => {
      expect((await decompose(client, auth(`Bearer ${TOKEN}`))).frames).toHaveLength(2);
      expect((await decompose(client, auth(`bearer ${TOKEN}`))).frames).toHaveLength(2);
      expect((await listConceptSpaces(client, auth(`Bearer ${TOKEN}`))).spaces).toHaveLength(1);
    });

    it('the health service answers without a token (probes, load balancers)', async () => {
      expect(await checkGrpcHealth(address)).toBe('SERVING');
    });

    it('refusals are counted', async () => {
      expect(await registry.metrics()).toMatch(
        new RegExp(`${DECOMPOSER_METRICS.grpcRequests}\\{method="Decompose",code="UNAUTHENTICATED"\\} [1-9]`),
      );
    });
  });

  describe('with TLS', () => {
    let cert: Buffer;
    let address: string;
    let client: DecomposerClient;
    beforeAll(async () => {
      const files = selfSignedCertificate(dir);
      cert = readFileSync(files.certFile);
      ({ client, address } = await serve(
        { tls: { certChain: cert, privateKey: readFileSync(files.keyFile) } },
        credentials.createSsl(cert),
      ));
    });

    it('a client that trusts the certificate is served, health included', async () => {
      expect((await decompose(client, auth())).frames).toHaveLength(2);
      expect(await checkGrpcHealth(address, '', 5_000, credentials.createSsl(cert))).toBe('SERVING');
    });

    it('a plaintext client cannot call', async () => {
      const plain = new DecomposerClient(address, credentials.createInsecure());
      clients.push(plain);
      const error = await grpcError(decompose(plain, auth()));
      expect(error.code).toBe(status.UNAVAILABLE);
    });

    it('a client that does not trust the certificate cannot call', async () => {
      const untrusting = new DecomposerClient(address, credentials.createSsl());
      clients.push(untrusting);
      const error = await grpcError(decompose(untrusting, auth()));
      expect(error.code).toBe(status.UNAVAILABLE);
    });
  });
});
