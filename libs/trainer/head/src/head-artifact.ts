import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { makeDirectory, writeFileAtomic } from '@audio-concepts/shared-files';
import { encodeNpy } from '@audio-concepts/shared-npy';
import type { TrainedHead } from './train-head';

/**
 * A trained head as a directory: `head.npy` (H, d × d float64, output = H · input: what `--head DIR` and the
 * decomposer's ProjectionHead read) and `manifest.json` (the id, where it came from, how it was trained).
 */
export const HEAD_FILES = { matrix: 'head.npy', manifest: 'manifest.json' } as const;
export const HEAD_FORMAT = 'audio-concepts/projection-head';
export const HEAD_VERSION = 1;

export interface HeadManifest {
  format: typeof HEAD_FORMAT;
  version: number;
  /** the first 16 hex digits of the SHA-256 of head.npy: the same H, the same id */
  id: string;
  d: number;
  /** the model whose embeddings it was trained on, when known */
  modelId: string | null;
  /** the concept space it is meant for, when known */
  conceptSpaceId: string | null;
  /** class names in prompt order (class k is row k of the prompts) */
  classes: string[];
  /** SHA-256 of the prompt embeddings' bytes as given (float64, k × d, row-major) */
  promptsHash: string;
  settings: TrainedHead['settings'];
  metrics: TrainedHead['metrics'];
  createdAt: string;
  files: typeof HEAD_FILES;
  sha256: { matrix: string };
}

export interface HeadProvenance {
  modelId?: string;
  conceptSpaceId?: string;
  classes: string[];
  promptsKxD: Float64Array;
  /** default: now */
  createdAt?: string;
}

/** Writes `dir/head.npy`, then `dir/manifest.json` (each atomically); returns the manifest. */
export async function saveHead(head: TrainedHead, dir: string, provenance: HeadProvenance): Promise<HeadManifest> {
  await makeDirectory(dir, 'head directory');
  const matrix = encodeNpy({ dtype: 'float64', shape: [head.d, head.d], data: head.matrix });
  const matrixHash = sha256Hex(matrix);
  await writeFileAtomic(join(dir, HEAD_FILES.matrix), matrix);
  const promptBytes = new Uint8Array(
    provenance.promptsKxD.buffer,
    provenance.promptsKxD.byteOffset,
    provenance.promptsKxD.byteLength,
  );
  const manifest: HeadManifest = {
    format: HEAD_FORMAT,
    version: HEAD_VERSION,
    id: matrixHash.slice(0, 16),
    d: head.d,
    modelId: provenance.modelId ?? null,
    conceptSpaceId: provenance.conceptSpaceId ?? null,
    classes: provenance.classes,
    promptsHash: sha256Hex(promptBytes),
    settings: head.settings,
    metrics: head.metrics,
    createdAt: provenance.createdAt ?? new Date().toISOString(),
    files: HEAD_FILES,
    sha256: { matrix: matrixHash },
  };
  await writeFileAtomic(
    join(dir, HEAD_FILES.manifest),
    new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
  );
  return manifest;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
