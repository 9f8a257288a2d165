import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { makeDirectory, temporaryPathFor } from '@audio-concepts/shared-files';
import { fetchFailure, hubFetch, proxyFor } from './hub.fetch';
import { ModelDownloadError, NetworkNotAllowedError, type HubModelCopy } from './model.errors';
import { loadTransformersJs } from './transformers-js';

export interface ModelSourceOptions {
  allowNetwork: boolean;
  /** The model store: a hub id's copy is `<cacheDir>/<owner>/<name>/` (default: transformers.js' `env.cacheDir`). */
  cacheDir?: string;
  /** Files a hub id's copy needs, relative to the repository root. */
  files: readonly string[];
}

/** `owner/name` as on huggingface.co: one slash, no path-like parts. */
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

export function looksLikeHubId(model: string): boolean {
  return HUB_ID.test(model) && !model.includes('..') && !model.includes('--');
}

/**
 * Turns the `model` argument into an absolute directory. An existing path wins. Otherwise a hub id
 * (`Xenova/clap-htsat-unfused`) is looked up in the model store, `<cacheDir>/<id>/` — transformers.js' own
 * file-cache layout, so its loaders and ours share the copy: a complete copy (fetched before, or put there by
 * hand) is used as it is, offline. An incomplete one is completed from the hub (HF_ENDPOINT, else transformers.js'
 * remoteHost) when `allowNetwork` is set, through the proxy of HTTPS_PROXY/HTTP_PROXY if any, and refused
 * otherwise. Transformers.js' global `env` follows the same switch: `allowRemoteModels` mirrors `allowNetwork`.
 */
export async function resolveModelDir(model: string, options: ModelSourceOptions): Promise<string> {
  const transformers = await loadTransformersJs();
  transformers.env.allowLocalModels = true;
  transformers.env.allowRemoteModels = options.allowNetwork;

  const local = resolve(model);
  if ((await stat(local).catch(() => undefined)) !== undefined || !looksLikeHubId(model)) return local;

  const cacheDir = resolve(options.cacheDir ?? transformers.env.cacheDir ?? '.cache');
  const target = join(cacheDir, model);
  const present = await Promise.all(
    options.files.map(async (f) => (await stat(join(target, f)).catch(() => undefined))?.isFile()),
  );
  const copy: HubModelCopy = {
    hubId: model,
    dir: target,
    files: options.files,
    missing: options.files.filter((_, i) => !present[i]),
  };
  if (copy.missing.length === 0) return target;
  if (!options.allowNetwork)
    throw new NetworkNotAllowedError(
      `model "${model}" is not a local directory (${local} does not exist) and, as a Hugging Face hub id, is not ` +
        `in the model store (${target} lacks ${copy.missing.join(', ')}), and network access is off: allow it to ` +
        'download the model there once, or copy those files in by hand (there, or into any directory given as the model)',
      model,
      copy,
    );

  transformers.env.cacheDir = cacheDir;
  const base = new URL(
    transformers.env.remotePathTemplate.replaceAll('{model}', model).replaceAll('{revision}', 'main'),
    hubHost(transformers.env.remoteHost),
  );
  for (const file of copy.missing) await download(new URL(file, base).href, join(target, file), copy);
  return target;
}

/** HF_ENDPOINT (huggingface_hub's variable for a mirror or a private hub), else transformers.js' remoteHost. */
function hubHost(remoteHost: string): string {
  const endpoint = process.env['HF_ENDPOINT'];
  return endpoint ? `${endpoint.replace(/\/+$/, '')}/` : remoteHost;
}

/** Streams `url` to `path` through a temporary file renamed into place, so a partial download never counts. */
async function download(url: string, path: string, copy: HubModelCopy): Promise<void> {
  const headers: Record<string, string> = {};
  const token = process.env['HF_TOKEN'] ?? process.env['HF_ACCESS_TOKEN'];
  if (token) headers['Authorization'] = `Bearer ${token}`; // as transformers.js' own fetches do
  const proxy = proxyFor(url);
  const via = proxy === undefined ? '' : ` via proxy ${proxy}`;
  const context = { copy, proxy };
  const model = copy.hubId;

  let response: Awaited<ReturnType<typeof hubFetch>>;
  try {
    response = await hubFetch(url, headers);
  } catch (cause) {
    const problem = `could not download ${url} (model "${model}")${via}: ${fetchFailure(cause)}`;
    throw new ModelDownloadError(`${problem}; ${storeNote(copy)}`, url, undefined, {
      retriable: true,
      cause,
      problem,
      ...context,
    });
  }
  if (!response.ok || response.body === null) {
    const problem =
      `downloading ${url} (model "${model}")${via} failed: HTTP ${response.status} ${response.statusText}` +
      (response.status === 404 ? ' (no such model or file on the hub)' : '');
    throw new ModelDownloadError(`${problem}; ${storeNote(copy)}`, url, response.status, {
      retriable: response.status >= 500 || response.status === 429,
      problem,
      ...context,
    });
  }

  await makeDirectory(dirname(path), 'model directory');
  const tmp = temporaryPathFor(path);
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      createWriteStream(tmp, { flags: 'wx' }),
    );
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new ModelDownloadError(`could not save ${url} to ${path}: ${fetchFailure(cause)}`, url, response.status, {
      retriable: true,
      cause,
      ...context,
    });
  }
}

/** Where the model goes and what a copy made by hand needs. */
function storeNote(copy: HubModelCopy): string {
  return `the model is stored in ${copy.dir}, which needs ${copy.files.join(', ')} (copy them in by hand to skip the download)`;
}
