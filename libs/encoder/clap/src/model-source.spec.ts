import { readFile, mkdtemp, rm, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelDownloadError, NetworkNotAllowedError } from './model.errors';
import { looksLikeHubId, resolveModelDir } from './model-source';
import { writeTinyClapModel } from './testing';
import { loadTransformersJs } from './transformers-js';

const FILES = ['config.json', 'onnx/audio_model.onnx'];

describe('looksLikeHubId', () => {
  it('accepts owner/name and rejects paths', () => {
    for (const id of ['Xenova/clap-htsat-unfused', 'Xenova/larger_clap_general', 'laion/clap-htsat-fused'])
      expect(looksLikeHubId(id)).toBe(true);
    for (const path of ['./Xenova/clap', '/abs/dir', 'a/b/c', 'models', '../x/y', 'a/..', 'a--b/c'])
      expect(looksLikeHubId(path)).toBe(false);
  });
});

describe('resolveModelDir', () => {
  let root: string;
  let server: Server;
  let host: string;
  const requests: string[] = [];
  const saved: { remoteHost?: string; cacheDir?: string | null; allowRemoteModels?: boolean } = {};

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'model-source-'));
    await writeTinyClapModel(join(root, 'hub', 'Xenova', 'tiny-clap'));
    // A stand-in for huggingface.co: /{model}/resolve/{revision}/{file}, served from root/hub.
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const match = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(req.url ?? '');
      if (match === null) return void res.writeHead(400).end();
      readFile(join(root, 'hub', match[1], match[2])).then(
        (bytes) => res.writeHead(200).end(bytes),
        () => res.writeHead(404, 'Not Found').end(),
      );
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { env } = await loadTransformersJs();
    Object.assign(saved, {
      remoteHost: env.remoteHost,
      cacheDir: env.cacheDir,
      allowRemoteModels: env.allowRemoteModels,
    });
  });

  afterEach(async () => {
    const { env } = await loadTransformersJs();
    Object.assign(env, saved);
  });

  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
    await rm(root, { recursive: true, force: true });
  });

  it('returns an existing directory as an absolute path and turns transformers.js remote loading off', async () => {
    const dir = join(root, 'hub', 'Xenova', 'tiny-clap');
    expect(await resolveModelDir(dir, { allowNetwork: false, files: FILES })).toBe(dir);
    expect((await loadTransformersJs()).env.allowRemoteModels).toBe(false);
    const missing = join(root, 'nowhere', 'deeper', 'model');
    expect(await resolveModelDir(missing, { allowNetwork: false, files: FILES })).toBe(resolve(missing));
  });

  it('refuses a hub id without network, naming the id and how to allow it', async () => {
    const attempt = resolveModelDir('Xenova/clap-htsat-unfused', { allowNetwork: false, files: FILES });
    await expect(attempt).rejects.toThrow(NetworkNotAllowedError);
    await expect(attempt).rejects.toThrow(
      /model "Xenova\/clap-htsat-unfused" is not a local directory.*allowNetwork: true/,
    );
  });

  it('downloads a hub id into <cacheDir>/<id>/ once, atomically, and then reuses it', async () => {
    const { env } = await loadTransformersJs();
    env.remoteHost = host;
    const cacheDir = join(root, 'cache');
    requests.length = 0;
    const dir = await resolveModelDir('Xenova/tiny-clap', { allowNetwork: true, cacheDir, files: FILES });
    expect(dir).toBe(join(cacheDir, 'Xenova', 'tiny-clap'));
    expect(env.allowRemoteModels).toBe(true);
    expect(env.cacheDir).toBe(cacheDir);
    expect(requests).toEqual(FILES.map((f) => `/Xenova/tiny-clap/resolve/main/${f}`));
    for (const f of FILES)
      expect(await readFile(join(dir, f))).toEqual(await readFile(join(root, 'hub', 'Xenova', 'tiny-clap', f)));
    expect((await readdir(join(dir, 'onnx'))).filter((f) => f.endsWith('.part'))).toEqual([]);

    await resolveModelDir('Xenova/tiny-clap', { allowNetwork: true, cacheDir, files: FILES });
    expect(requests).toHaveLength(FILES.length);
  });

  it('reports a file the hub does not have, with its URL and status', async () => {
    (await loadTransformersJs()).env.remoteHost = host;
    const attempt = resolveModelDir('Xenova/tiny-clap', {
      allowNetwork: true,
      cacheDir: join(root, 'cache2'),
      files: ['onnx/audio_model_quantized.onnx'],
    });
    await expect(attempt).rejects.toThrow(ModelDownloadError);
    await expect(attempt).rejects.toThrow(/audio_model_quantized\.onnx \(model "Xenova\/tiny-clap"\) failed: HTTP 404/);
  });
});
