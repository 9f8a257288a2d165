import { cp, readFile, mkdtemp, rm, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelDownloadError, NetworkNotAllowedError } from './model.errors';
import { looksLikeHubId, resolveModelDir } from './model-source';
import { startConnectProxy, writeTinyClapModel } from './testing';
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

  it('refuses a hub id without network, naming the id, the copy in the store and what it lacks', async () => {
    const cacheDir = join(root, 'empty-store');
    const error = await resolveModelDir('Xenova/clap-htsat-unfused', {
      allowNetwork: false,
      cacheDir,
      files: FILES,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkNotAllowedError);
    expect((error as NetworkNotAllowedError).message).toMatch(
      /model "Xenova\/clap-htsat-unfused" is not a local directory.*network access is off: allow it/,
    );
    expect((error as NetworkNotAllowedError).copy).toEqual({
      hubId: 'Xenova/clap-htsat-unfused',
      dir: join(cacheDir, 'Xenova', 'clap-htsat-unfused'),
      files: FILES,
      missing: FILES,
    });
  });

  it('uses a complete copy in the store without network (fetched before, or copied in by hand)', async () => {
    const cacheDir = join(root, 'by-hand');
    await cp(join(root, 'hub', 'Xenova', 'tiny-clap'), join(cacheDir, 'Xenova', 'tiny-clap'), { recursive: true });
    requests.length = 0;
    const dir = await resolveModelDir('Xenova/tiny-clap', { allowNetwork: false, cacheDir, files: FILES });
    expect(dir).toBe(join(cacheDir, 'Xenova', 'tiny-clap'));
    expect(requests).toEqual([]);
  });

  it('downloads from HF_ENDPOINT when set, through the proxy of HTTP_PROXY', async () => {
    const proxy = await startConnectProxy({ tunnel: true });
    const saved = { endpoint: process.env['HF_ENDPOINT'], proxy: process.env['HTTP_PROXY'] };
    process.env['HF_ENDPOINT'] = host.replace(/\/$/, '');
    process.env['HTTP_PROXY'] = proxy.url;
    try {
      requests.length = 0;
      const cacheDir = join(root, 'proxied');
      await resolveModelDir('Xenova/tiny-clap', { allowNetwork: true, cacheDir, files: FILES });
      expect(requests).toEqual(FILES.map((f) => `/Xenova/tiny-clap/resolve/main/${f}`));
      expect(proxy.requests.length).toBeGreaterThan(0);
      expect(new Set(proxy.requests)).toEqual(new Set([new URL(host).host]));
    } finally {
      for (const [name, value] of [
        ['HF_ENDPOINT', saved.endpoint],
        ['HTTP_PROXY', saved.proxy],
      ] as const)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      await proxy.close();
    }
  });

  it('names the proxy of a failed download, and where the model goes', async () => {
    const proxy = await startConnectProxy({ tunnel: false });
    const saved = process.env['HTTP_PROXY'];
    process.env['HTTP_PROXY'] = proxy.url;
    (await loadTransformersJs()).env.remoteHost = host;
    try {
      const cacheDir = join(root, 'refused');
      const error = await resolveModelDir('Xenova/tiny-clap', { allowNetwork: true, cacheDir, files: FILES }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ModelDownloadError);
      const download = error as ModelDownloadError;
      expect(download.proxy).toBe(proxy.url);
      expect(download.problem).toMatch(
        new RegExp(`config\\.json \\(model "Xenova/tiny-clap"\\) via proxy ${proxy.url}: fetch failed`),
      );
      expect(download.message).toContain(
        `the model is stored in ${join(cacheDir, 'Xenova', 'tiny-clap')}, which needs config.json, onnx/audio_model.onnx`,
      );
      expect(download.copy?.missing).toEqual(FILES);
    } finally {
      if (saved === undefined) delete process.env['HTTP_PROXY'];
      else process.env['HTTP_PROXY'] = saved;
      await proxy.close();
    }
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
