import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { HEAD_FILES, ProjectionHead } from '@audio-concepts/decomposer-concepts';
import { makeDirectory, writeFileAtomic } from '@audio-concepts/shared-files';
import { encodeNpy } from '@audio-concepts/shared-npy';
import type { TrainedHead } from './train-head';

/**
 * A trained head as a directory (HEAD_FILES): `head.npy` (H, d × d float64, output = H · input: what `--head DIR`
 * and the decomposer's ProjectionHead read), `audio_mean.npy` (m_a of the reference corpus projected by H, d float64;
 * when a corpus was given) and `manifest.json` (the id, where it came from, how it was trained).
 */
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
  /** the product kernel that trained it (the same seed gives the same bytes with the same kernel) */
  kernel: string;
  /** the reference corpus behind audio_mean.npy (its rows and the SHA-256 of its bytes as given), or null */
  audioMean: { rows: number; referenceHash: string } | null;
  metrics: TrainedHead['metrics'];
  createdAt: string;
  files: typeof HEAD_FILES;
  sha256: { matrix: string; audioMean: string | null };
}

export interface HeadProvenance {
  modelId?: string;
  conceptSpaceId?: string;
  classes: string[];
  promptsKxD: Float64Array;
  /** raw audio embeddings (n × d) whose projection by H gives the head's m_a; none: no audio_mean.npy */
  audioReference?: { data: Float64Array; rows: number };
  /** default: now */
  createdAt?: string;
}

/** Writes `dir/head.npy` and `dir/audio_mean.npy`, then `dir/manifest.json` (each atomically); returns the manifest. */
export async function saveHead(head: TrainedHead, dir: string, provenance: HeadProvenance): Promise<HeadManifest> {
  await makeDirectory(dir, 'head directory');
  const reference = provenance.audioReference;
  const projection = reference
    ? ProjectionHead.withReference(head.matrix, head.d, reference.data, reference.rows)
    : new ProjectionHead(head.matrix, head.d);
  const matrix = encodeNpy({ dtype: 'float64', shape: [head.d, head.d], data: head.matrix });
  const matrixHash = sha256Hex(matrix);
  await writeFileAtomic(join(dir, HEAD_FILES.matrix), matrix);
  let meanHash: string | null = null;
  if (projection.audioMeanD) {
    const mean = encodeNpy({ dtype: 'float64', shape: [head.d], data: projection.audioMeanD });
    meanHash = sha256Hex(mean);
    await writeFileAtomic(join(dir, HEAD_FILES.audioMean), mean);
  }
  const manifest: HeadManifest = {
    format: HEAD_FORMAT,
    version: HEAD_VERSION,
    id: projection.id,
    d: head.d,
    modelId: provenance.modelId ?? null,
    conceptSpaceId: provenance.conceptSpaceId ?? null,
    classes: provenance.classes,
    promptsHash: sha256Hex(bytesOf(provenance.promptsKxD)),
    settings: head.settings,
    kernel: head.kernel,
    audioMean: reference ? { rows: reference.rows, referenceHash: sha256Hex(bytesOf(reference.data)) } : null,
    metrics: head.metrics,
    createdAt: provenance.createdAt ?? new Date().toISOString(),
    files: HEAD_FILES,
    sha256: { matrix: matrixHash, audioMean: meanHash },
  };
  await writeFileAtomic(
    join(dir, HEAD_FILES.manifest),
    new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
  );
  return manifest;
}

const bytesOf = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
