import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectProxy, startModelHub, type TestServer } from '@audio-concepts/encoder-clap/testing';

/**
 * The way to a real model (issue 9, item 1), run as a user runs it (built CLI): a hub id without and with
 * --allow-network, the model store under --cache-dir, a copy made by hand, proxies, --dtype. No model hub is
 * reached: downloads come from a local stand-in (HF_ENDPOINT), or go to a local proxy that refuses them.
 */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');
const DEMO = join(ROOT, 'models', 'clap-demo');
const HUB_ID = 'Xenova/clap-htsat-unfused';
const FP32_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/audio_model.onnx',
  'onnx/text_model.onnx',
];
const INPUT = join(ROOT, 'examples', 'audio', 'tone.wav');

let dir: string;
let hub: TestServer;

/** The environment without proxies, mirrors or the user's cache, plus `extra`. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'HF_ENDPOINT'])
    delete env[name];
  return { ...env, AUDIO_CONCEPTS_CACHE: join(dir, 'default-cache'), ...extra };
}

/** Runs the CLI (async: the stand-in hub and proxy answer from this process), with a bounded wait. */
function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: envWith(extraEnv), timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end();
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const storeOf = (cache: string) => join(cache, 'models', ...HUB_ID.split('/'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onramp-cli-'));
  hub = await startModelHub({ [HUB_ID]: DEMO });
});

afterAll(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a hub id without --allow-network', () => {
  it('says what to do in the command line’s words: the flag, the model store, a directory (was: library words)', async () => {
    const cache = join(dir, 'no-network');
    for (const args of [
      ['space', 'build', '--model', HUB_ID, '--cache-dir', cache],
      ['tag', INPUT, '--model', HUB_ID, '--cache-dir', cache],
    ]) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('--allow-network');
      expect(r.stderr).toContain(storeOf(cache));
      expect(r.stderr).toContain('--model DIR');
      expect(r.stderr).toContain(FP32_FILES.join(', '));
      expect(r.stderr).not.toMatch(/allowNetwork|ClapEncoder\.load/);
    }
    expect(hub.requests).toEqual([]);
  });

  it('uses a copy put into the model store by hand, offline', async () => {
    const cache = join(dir, 'by-hand');
    cpSync(DEMO, storeOf(cache), { recursive: true });
    const r = await cli(['space', 'build', '--model', HUB_ID, '--cache-dir', cache]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{16}\t/);
  });
});

describe('a hub id with --allow-network', () => {
  it('is fetched once into the model store (from HF_ENDPOINT), then used without the flag', async () => {
    const cache = join(dir, 'fetched');
    hub.requests.length = 0;
    const first = await cli(['space', 'build', '--model', HUB_ID, '--allow-network', '--cache-dir', cache], {
      HF_ENDPOINT: hub.url,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(hub.requests.sort()).toEqual(FP32_FILES.map((f) => `/${HUB_ID}/resolve/main/${f}`).sort());
    for (const f of FP32_FILES) expect(existsSync(join(storeOf(cache), f)), f).toBe(true);
    const again = await cli(['space', 'build', '--model', HUB_ID, '--cache-dir', cache]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.split('\t')[0]).toBe(first.stdout.split('\t')[0]);
    expect(hub.requests).toHaveLength(FP32_FILES.length);
  });

  it('when the hub cannot be reached: the model store, the files of a copy by hand, proxies and --dtype', async () => {
    const cache = join(dir, 'unreachable');
    const r = await cli(['space', 'build', '--model', HUB_ID, '--allow-network', '--cache-dir', cache], {
      HF_ENDPOINT: 'http://127.0.0.1:9', // discard: nothing listens
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /could not download http:\/\/127\.0\.0\.1:9\/Xenova\/clap-htsat-unfused\/resolve\/main\/config\.json/,
    );
    expect(r.stderr).toContain(`model store:   ${storeOf(cache)}`);
    expect(r.stderr).toContain(FP32_FILES.join(', '));
    expect(r.stderr).toMatch(/HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured/);
    expect(r.stderr).toContain('--dtype q8');
  });

  it('goes through the proxy of HTTPS_PROXY (was: Node’s fetch ignored it)', async () => {
    const proxy = await startConnectProxy({ tunnel: false });
    try {
      const cache = join(dir, 'proxied');
      // hub.invalid never resolves: without the proxy nothing could leave the machine either.
      const r = await cli(['space', 'build', '--model', HUB_ID, '--allow-network', '--cache-dir', cache], {
        HF_ENDPOINT: 'https://hub.invalid',
        HTTPS_PROXY: proxy.url,
      });
      expect(proxy.requests, r.stderr).toEqual(['hub.invalid:443']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`via proxy ${proxy.url}`);
      expect(r.stderr).toContain(`proxy:         ${proxy.url}`);
    } finally {
      await proxy.close();
    }
  });

  it('downloads through a proxy that tunnels (HTTP_PROXY)', async () => {
    const proxy = await startConnectProxy({ tunnel: true });
    try {
      const cache = join(dir, 'tunnelled');
      const r = await cli(['space', 'build', '--model', HUB_ID, '--allow-network', '--cache-dir', cache], {
        HF_ENDPOINT: hub.url,
        HTTP_PROXY: proxy.url,
      });
      expect(r.code, r.stderr).toBe(0);
      // Kept-alive tunnels carry several files each: at least one CONNECT, each to the hub.
      expect(proxy.requests.length).toBeGreaterThan(0);
      expect(new Set(proxy.requests)).toEqual(new Set([new URL(hub.url).host]));
    } finally {
      await proxy.close();
    }
  });
});

describe('--dtype and a directory that lacks files', () => {
  let q8: string;
  beforeAll(() => {
    q8 = join(dir, 'q8-only');
    cpSync(DEMO, q8, { recursive: true });
    for (const tower of ['audio_model', 'text_model'])
      renameSync(join(q8, 'onnx', `${tower}.onnx`), join(q8, 'onnx', `${tower}_quantized.onnx`));
  });

  it('a directory of q8 towers: fp32 names the missing towers and the --dtype it holds; --dtype q8 loads it', async () => {
    const cache = join(dir, 'dtype');
    const fp32 = await cli(['space', 'build', '--model', q8, '--cache-dir', cache]);
    expect(fp32.code, fp32.stderr).toBe(1);
    expect(fp32.stderr).toContain(`model directory ${q8} lacks onnx/audio_model.onnx, onnx/text_model.onnx`);
    expect(fp32.stderr).toContain('it holds the towers of --dtype q8');
    const quantized = await cli(['space', 'build', '--model', q8, '--dtype', 'q8', '--cache-dir', cache]);
    expect(quantized.code, quantized.stderr).toBe(0);
    const fromDemo = await cli(['space', 'build', '--cache-dir', cache]);
    expect(quantized.stdout.split('\t')[0]).not.toBe(fromDemo.stdout.split('\t')[0]); // another model id
  });

  it('a hub id with --dtype q8 fetches the q8 towers only', async () => {
    const q8Hub = await startModelHub({ [HUB_ID]: q8 });
    try {
      const cache = join(dir, 'dtype-hub');
      const r = await cli(
        ['space', 'build', '--model', HUB_ID, '--dtype', 'q8', '--allow-network', '--cache-dir', cache],
        { HF_ENDPOINT: q8Hub.url },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(join(storeOf(cache), 'onnx')).sort()).toEqual([
        'audio_model_quantized.onnx',
        'text_model_quantized.onnx',
      ]);
    } finally {
      await q8Hub.close();
    }
  });

  it('a copy of the demo model without tokenizer.json: names the missing file', async () => {
    const partial = join(dir, 'partial');
    cpSync(DEMO, partial, { recursive: true });
    rmSync(join(partial, 'tokenizer.json'));
    const r = await cli(['space', 'build', '--model', partial, '--cache-dir', join(dir, 'partial-cache')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`model directory ${partial} lacks tokenizer.json;`);
  });
});

describe('stack up --model <hub id>', () => {
  it('without --allow-network and no copy in the store: the same advice, and nothing started', async () => {
    const stackDir = join(dir, 'stack');
    const r = await cli(['stack', 'up', '--model', HUB_ID], { AUDIO_CONCEPTS_STACK_DIR: stackDir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('--allow-network');
    expect(r.stderr).toContain(storeOf(join(dir, 'default-cache')));
    expect(existsSync(join(stackDir, 'state.json'))).toBe(false);
  });
});
