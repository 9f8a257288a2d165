import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { temporaryPathFor } from '@audio-concepts/shared-files';
import { ModelDownloadError, NetworkNotAllowedError } from './model.errors';
import { loadTransformersJs } from './transformers-js';

export interface ModelSourceOptions {
  allowNetwork: boolean;
  /** Where hub downloads go (default: transformers.js' `env.cacheDir`). */
  cacheDir?: string;
  /** Files to fetch for a hub id, relative to the repository root. */
  files: readonly string[];
}

/** `owner/name` as on huggingface.co: one slash, no path-like parts. */
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

export function looksLikeHubId(model: string): boolean {
  return HUB_ID.test(model) && !model.includes('..') && !model.includes('--');
}

/**
 * Turns the `model` argument into an absolute directory. An existing path wins; otherwise a hub id
 * (`Xenova/clap-htsat-unfused`) is downloaded into `<cacheDir>/<id>/` — transformers.js' own file-cache
 * layout, so its loaders and ours share the copy — when `allowNetwork` is set, and refused otherwise.
 * Transformers.js' global `env` follows the same switch: `allowRemoteModels` mirrors `allowNetwork`.
 */
export async function resolveModelDir(model: string, options: ModelSourceOptions): Promise<string> {
  const transformers = await loadTransformersJs();
  transformers.env.allowLocalModels = true;
  transformers.env.allowRemoteModels = options.allowNetwork;

  const local = resolve(model);
  if ((await stat(local).catch(() => undefined)) !== undefined || !looksLikeHubId(model)) return local;
  if (!options.allowNetwork)
    throw new NetworkNotAllowedError(
      `model "${model}" is not a local directory (${local} does not exist) and, as a Hugging Face hub id, ` +
        'would have to be downloaded, but network access is off: pass { allowNetwork: true } (optionally with ' +
        'cacheDir) to ClapEncoder.load, or download the model directory and pass its path',
      model,
    );

  const cacheDir = resolve(options.cacheDir ?? transformers.env.cacheDir ?? '.cache');
  transformers.env.cacheDir = cacheDir;
  const target = join(cacheDir, model);
  const base = new URL(
    transformers.env.remotePathTemplate.replaceAll('{model}', model).replaceAll('{revision}', 'main'),
    transformers.env.remoteHost,
  );
  for (const file of options.files) {
    const path = join(target, file);
    if ((await stat(path).catch(() => undefined))?.isFile()) continue;
    await download(new URL(file, base).href, path, model);
  }
  return target;
}

/** Streams `url` to `path` through a temporary file renamed into place, so a partial download never counts. */
async function download(url: string, path: string, model: string): Promise<void> {
  const headers: Record<string, string> = {};
  const token = process.env['HF_TOKEN'] ?? process.env['HF_ACCESS_TOKEN'];
  if (token) headers['Authorization'] = `Bearer ${token}`; // as transformers.js' own fetches do

  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (cause) {
    throw new ModelDownloadError(`could not download ${url} (model "${model}"): ${messageOf(cause)}`, url, undefined, {
      retriable: true,
      cause,
    });
  }
  if (!response.ok || response.body === null)
    throw new ModelDownloadError(
      `downloading ${url} (model "${model}") failed: HTTP ${response.status} ${response.statusText}` +
        (response.status === 404 ? ' (no such model or file on the hub)' : ''),
      url,
      response.status,
      { retriable: response.status >= 500 || response.status === 429 },
    );

  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryPathFor(path);
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      createWriteStream(tmp, { flags: 'wx' }),
    );
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new ModelDownloadError(`could not save ${url} to ${path}: ${messageOf(cause)}`, url, response.status, {
      retriable: true,
      cause,
    });
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
