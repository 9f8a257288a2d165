import { randomUUID } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HEAD_FILES, ProjectionHead } from '@audio-concepts/decomposer-concepts';
import { HeadVersion, STREAM_GROUP_NAME } from '@audio-concepts/shared-contracts';
import { AudioConceptsError, errorMessage, InvalidInputError } from '@audio-concepts/shared-errors';
import { asFloat64Matrix, readNpy } from '@audio-concepts/shared-npy';
import { HEAD_TRAINING_DEFAULTS, saveHead, trainingRows, type HeadManifest } from '@audio-concepts/trainer-head';
import { parseHeadJobRequest, type HeadJobRequest } from './head-job.request';
import type { HeadPublisher } from './head-publisher';
import { readHeadTrainingArrays, trainHeadOnOrt } from './head-training';
import type { TrainerMetrics } from './trainer.metrics';

export type HeadJobStatus = 'queued' | 'training' | 'done' | 'failed';

/** What `GET /v1/heads/{id}` answers (snake_case on the wire, see `headJobJson`). */
export interface HeadJob {
  id: string;
  status: HeadJobStatus;
  conceptSpaceId: string;
  submittedAt: string;
  /** the epoch reached while training, of at most `epochs` */
  epoch: number;
  epochs: number;
  headId?: string;
  metrics?: HeadManifest['metrics'];
  seconds?: number;
  error?: string;
}

/** No job and no stored head has this id (HTTP 404). */
export class UnknownHeadJobError extends AudioConceptsError {}

export interface HeadJobsOptions {
  /** the folder job requests name their .npy files in */
  dataDir: string;
  /** where trained heads are kept, one directory per head id (the `train-head --out` layout) */
  storeDir: string;
  publisher: HeadPublisher;
  /** threads of onnxruntime's GEMM (default: all cores) */
  threads?: number;
  log: { log(message: string): void; warn(message: string): void };
  metrics?: TrainerMetrics;
}

/**
 * The trainer's jobs: a request is checked at once (400 when bad), then trained in turn, one job at a time, with the
 * training library (the same as `train-head`); the head is stored under its id and published on control.heads.v1,
 * and only then is the job done. `activate` publishes which head is live for a stream group (a head trained here,
 * before a restart too: the store is read back), "none" for no head; rolling back is activating an older id.
 */
export class HeadJobs {
  private readonly jobs = new Map<string, HeadJob>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: HeadJobsOptions) {}

  /** Checks the request and queues the job; returns it (status "queued"). */
  submit(body: unknown): HeadJob {
    const request = parseHeadJobRequest(body, this.options.dataDir);
    const job: HeadJob = {
      id: randomUUID(),
      status: 'queued',
      conceptSpaceId: request.conceptSpaceId,
      submittedAt: new Date().toISOString(),
      epoch: 0,
      epochs: request.training.epochs ?? HEAD_TRAINING_DEFAULTS.epochs,
    };
    this.jobs.set(job.id, job);
    this.options.metrics?.jobQueued();
    this.queue = this.queue.then(() => this.run(job, request));
    return job;
  }

  /** A job by its id, or a stored head by its head id. */
  async get(id: string): Promise<HeadJob> {
    const job = this.jobs.get(id);
    if (job) return job;
    const manifest = await this.storedManifest(id);
    return {
      id,
      status: 'done',
      conceptSpaceId: manifest.conceptSpaceId ?? '',
      submittedAt: manifest.createdAt,
      epoch: manifest.metrics.epochsRun,
      epochs: manifest.settings.epochs,
      headId: manifest.id,
      metrics: manifest.metrics,
    };
  }

  /**
   * Makes head `id` (a head id, or a finished job's id; "none" for no head) live for `group` of its concept space
   * (for "none", `conceptSpaceId` says which space). Resolves once control.heads.v1 has the record.
   */
  async activate(
    id: string,
    group: unknown,
    conceptSpaceId?: unknown,
  ): Promise<{ headId: string; conceptSpaceId: string; group: string }> {
    if (typeof group !== 'string' || !STREAM_GROUP_NAME.test(group))
      throw new InvalidInputError("\"stream_group\" must be 1–64 letters, digits, '_', '.' or '-' (e.g. \"default\")");
    let headId = '';
    let space: string;
    if (id === 'none') {
      if (typeof conceptSpaceId !== 'string' || !/^[0-9a-f]{16}$/.test(conceptSpaceId))
        throw new InvalidInputError(
          'deactivating ("none") needs "concept_space_id": the space whose group goes headless',
        );
      space = conceptSpaceId;
    } else {
      const job = await this.get(id);
      if (job.status !== 'done' || !job.headId)
        throw new InvalidInputError(`job ${id} is ${job.status}: only a trained head can be activated`);
      headId = job.headId;
      space = job.conceptSpaceId;
      // a head trained before a restart is published again: the topic may have been recreated since
      if (![...this.jobs.values()].some((j) => j.headId === headId)) await this.publishStored(headId);
    }
    await this.options.publisher.publishActivation({
      conceptSpaceId: space,
      streamGroup: group,
      headId,
      activatedAtMs: Date.now(),
    });
    this.options.metrics?.activated();
    this.options.log.log(
      `stream group ${group} of space ${space}: ${headId === '' ? 'no head' : `head ${headId}`} activated`,
    );
    return { headId, conceptSpaceId: space, group };
  }

  /** Waits for the queued jobs to end. */
  async drain(): Promise<void> {
    await this.queue;
  }

  private async run(job: HeadJob, request: HeadJobRequest): Promise<void> {
    const started = performance.now();
    job.status = 'training';
    try {
      const arrays = await readHeadTrainingArrays(request);
      const { audio, prompts, trainMask } = arrays;
      const reference = request.audioMeanFrom
        ? asFloat64Matrix(await readNpy(request.audioMeanFrom), request.audioMeanFrom)
        : undefined;
      const classes = request.classNames ?? Array.from({ length: prompts.rows }, (_, k) => String(k));
      if (classes.length !== prompts.rows)
        throw new InvalidInputError(
          `"class_names" has ${classes.length} names; the prompts have ${prompts.rows} classes`,
        );
      const head = await trainHeadOnOrt(
        arrays,
        {
          ...request.training,
          onEpoch: (progress) => {
            job.epoch = progress.epoch;
            job.epochs = progress.epochs;
          },
        },
        this.options.threads,
      );
      const staging = join(this.options.storeDir, `.job-${job.id}`);
      const manifest = await saveHead(head, staging, {
        modelId: request.modelId,
        conceptSpaceId: request.conceptSpaceId,
        classes,
        promptsKxD: prompts.data,
        audioReference: reference ? { data: reference.data, rows: reference.rows } : trainingRows(audio, trainMask),
      });
      const dir = join(this.options.storeDir, manifest.id);
      // the same bytes, the same id: a head trained twice is stored once
      await rm(dir, { recursive: true, force: true });
      await rename(staging, dir);
      await this.publishStored(manifest.id);
      Object.assign(job, { status: 'done', headId: manifest.id, metrics: manifest.metrics });
      job.seconds = (performance.now() - started) / 1000;
      this.options.metrics?.jobEnded('done', job.seconds);
      this.options.log.log(
        `job ${job.id}: head ${manifest.id} trained in ${job.seconds.toFixed(1)} s (validation accuracy ` +
          `${manifest.metrics.valAccuracy === null ? 'n/a' : (100 * manifest.metrics.valAccuracy).toFixed(1) + ' %'}) and published`,
      );
    } catch (error) {
      Object.assign(job, {
        status: 'failed',
        error: errorMessage(error),
        seconds: (performance.now() - started) / 1000,
      });
      this.options.metrics?.jobEnded('failed', job.seconds ?? 0);
      this.options.log.warn(`job ${job.id} failed: ${errorMessage(error)}`);
    }
  }

  /** Publishes the stored head `headId` (its matrix and m_a as written to the store). */
  private async publishStored(headId: string): Promise<void> {
    const dir = join(this.options.storeDir, headId);
    const manifest = await this.storedManifest(headId);
    const head = await ProjectionHead.load(dir);
    await this.options.publisher.publishHead(
      HeadVersion.fromPartial({
        headId: head.id,
        conceptSpaceId: manifest.conceptSpaceId ?? '',
        dimension: head.d,
        matrix: Array.from(head.matrixDxD),
        audioMean: head.audioMeanD ? Array.from(head.audioMeanD) : [],
        createdAtMs: Date.parse(manifest.createdAt),
        modelId: manifest.modelId ?? '',
        classes: manifest.classes,
      }),
    );
  }

  private async storedManifest(id: string): Promise<HeadManifest> {
    if (!/^[0-9a-f]{16}$/.test(id))
      throw new UnknownHeadJobError(`no training job or head has id ${JSON.stringify(id)}`);
    try {
      return JSON.parse(await readFile(join(this.options.storeDir, id, HEAD_FILES.manifest), 'utf8')) as HeadManifest;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new UnknownHeadJobError(`no training job or head has id ${JSON.stringify(id)}`);
      throw error;
    }
  }
}

/** A job as JSON (snake_case keys). */
export function headJobJson(job: HeadJob): Record<string, unknown> {
  return {
    id: job.id,
    status: job.status,
    concept_space_id: job.conceptSpaceId,
    submitted_at: job.submittedAt,
    epoch: job.epoch,
    epochs: job.epochs,
    ...(job.headId ? { head_id: job.headId } : {}),
    ...(job.metrics
      ? {
          metrics: {
            train_rows: job.metrics.trainRows,
            val_rows: job.metrics.valRows,
            epochs_run: job.metrics.epochsRun,
            best_epoch: job.metrics.bestEpoch,
            train_loss: job.metrics.trainLoss,
            train_acc: job.metrics.trainAccuracy,
            val_loss: job.metrics.valLoss,
            val_acc: job.metrics.valAccuracy,
          },
        }
      : {}),
    ...(job.seconds === undefined ? {} : { seconds: job.seconds }),
    ...(job.error ? { error: job.error } : {}),
  };
}
