import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectionHead } from '@audio-concepts/decomposer-concepts';
import type { HeadActivation, HeadVersion } from '@audio-concepts/shared-contracts';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { writeNpy } from '@audio-concepts/shared-npy';
import { knownMap, sampleRows } from '@audio-concepts/trainer-head/testing';
import { parseHeadJobRequest } from './head-job.request';
import { HeadJobs, UnknownHeadJobError } from './head-jobs';
import type { HeadPublisher } from './head-publisher';

const SPACE = '0123456789abcdef';
const quiet = { log: () => undefined, warn: () => undefined };

/** What the jobs published, in order (the Kafka publisher is tested on a real broker in tests/src/heads.e2e). */
class Published implements HeadPublisher {
  readonly heads: HeadVersion[] = [];
  readonly activations: HeadActivation[] = [];
  async publishHead(version: HeadVersion): Promise<void> {
    this.heads.push(version);
  }
  async publishActivation(activation: HeadActivation): Promise<void> {
    this.activations.push(activation);
  }
}

describe('parseHeadJobRequest', () => {
  const data = '/srv/data';

  it('resolves the files in the data folder and maps the options', () => {
    const request = parseHeadJobRequest(
      {
        concept_space_id: SPACE,
        audio: 'esc50/A.npy',
        labels: '/srv/data/esc50/y.npy',
        prompts: 'esc50/P.npy',
        class_names: ['dog', 'rain'],
        options: { objective: 'contrastive', lr: 0.01, batch_size: 32, seed: 3 },
      },
      data,
    );
    expect(request).toMatchObject({
      conceptSpaceId: SPACE,
      audio: '/srv/data/esc50/A.npy',
      labels: '/srv/data/esc50/y.npy',
      classNames: ['dog', 'rain'],
      training: { objective: 'contrastive', learningRate: 0.01, batchSize: 32, seed: 3 },
    });
  });

  it('lists every problem at once: paths outside the data folder, bad ids, unknown fields and options', () => {
    const parse = () =>
      parseHeadJobRequest(
        {
          concept_space_id: 'x',
          audio: '../etc/A.npy',
          labels: '/etc/passwd',
          prompts: 'P.txt',
          colour: 'red',
          options: { objective: 'hinge', epochs: 'ten', momentum: 0.9 },
        },
        data,
      );
    expect(parse).toThrow(InvalidInputError);
    expect(parse).toThrow(/"concept_space_id" must be a concept space id/);
    expect(parse).toThrow(/"audio" \(\.\.\/etc\/A\.npy\) is not inside the trainer's data folder/);
    expect(parse).toThrow(/"labels" \(\/etc\/passwd\) is not inside/);
    expect(parse).toThrow(/"prompts" \(P\.txt\) must be a \.npy file/);
    expect(parse).toThrow(/unknown field "colour"/);
    expect(parse).toThrow(/option "objective" must be one of cosine, contrastive/);
    expect(parse).toThrow(/option "epochs" must be a number/);
    expect(parse).toThrow(/unknown option "momentum"/);
    expect(() => parseHeadJobRequest([], data)).toThrow('the request body must be a JSON object');
  });
});

describe('HeadJobs', () => {
  const d = 8;
  const k = 4;
  let dataDir: string;
  let storeDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'trainer-data-'));
    storeDir = mkdtempSync(join(tmpdir(), 'trainer-heads-'));
    const world = knownMap(d, k, 3);
    const rows = sampleRows(world, 400, 0.3, 4);
    await writeNpy(join(dataDir, 'A.npy'), { dtype: 'float64', shape: [400, d], data: rows.audio });
    await writeNpy(join(dataDir, 'y.npy'), { dtype: 'int32', shape: [400], data: rows.labels });
    await writeNpy(join(dataDir, 'P.npy'), { dtype: 'float64', shape: [k, d], data: world.prompts });
    await writeNpy(join(dataDir, 'bad-y.npy'), { dtype: 'int32', shape: [3], data: Int32Array.of(0, 1, 2) });
  });

  const request = (extra: Record<string, unknown> = {}) => ({
    concept_space_id: SPACE,
    audio: 'A.npy',
    labels: 'y.npy',
    prompts: 'P.npy',
    options: { epochs: 3, seed: 5 },
    ...extra,
  });

  it('trains, stores under the head id, publishes the head, then says done; activates, rolls back, deactivates', async () => {
    const published = new Published();
    const jobs = new HeadJobs({ dataDir, storeDir, publisher: published, threads: 1, log: quiet });
    const job = jobs.submit(request());
    expect(job).toMatchObject({ status: 'queued', epoch: 0, epochs: 3 });
    await jobs.drain();
    const done = await jobs.get(job.id);
    expect(done).toMatchObject({ status: 'done', conceptSpaceId: SPACE, epoch: 3 });
    const stored = await ProjectionHead.load(join(storeDir, done.headId!));
    expect(stored.id).toBe(done.headId);
    expect(stored.audioMeanD).not.toBeNull();
    expect(published.heads).toHaveLength(1);
    expect(published.heads[0]).toMatchObject({ headId: done.headId, conceptSpaceId: SPACE, dimension: d });
    expect(published.heads[0].matrix).toEqual(Array.from(stored.matrixDxD));
    // the same head by its head id
    expect(await jobs.get(done.headId!)).toMatchObject({ status: 'done', headId: done.headId });

    const other = jobs.submit(request({ options: { epochs: 3, seed: 6 } }));
    await jobs.drain();
    const second = (await jobs.get(other.id)).headId!;
    await jobs.activate(done.headId!, 'street');
    await jobs.activate(other.id, 'street');
    await jobs.activate(done.headId!, 'street');
    await jobs.activate('none', 'street', SPACE);
    expect(published.activations.map((a) => [a.conceptSpaceId, a.streamGroup, a.headId])).toEqual([
      [SPACE, 'street', done.headId],
      [SPACE, 'street', second],
      [SPACE, 'street', done.headId],
      [SPACE, 'street', ''],
    ]);
    expect(published.heads).toHaveLength(2); // heads trained here are not published again on activation

    // after a restart, a stored head can still be activated: it is published again first
    const restarted = new HeadJobs({ dataDir, storeDir, publisher: published, threads: 1, log: quiet });
    await restarted.activate(done.headId!, 'default');
    expect(published.heads.map((h) => h.headId)).toEqual([done.headId, second, done.headId]);
  });

  it('a job that cannot train fails with the reason; bad activations are refused', async () => {
    const jobs = new HeadJobs({ dataDir, storeDir, publisher: new Published(), threads: 1, log: quiet });
    const job = jobs.submit(request({ labels: 'bad-y.npy', options: undefined }));
    expect(job.epochs).toBe(100); // the default, until training says more
    await jobs.drain();
    expect(await jobs.get(job.id)).toMatchObject({ status: 'failed', error: 'labels: 3 values for 400 audio rows' });
    await expect(jobs.activate(job.id, 'street')).rejects.toThrow(`job ${job.id} is failed`);
    await expect(jobs.get('feedfacefeedface')).rejects.toThrow(UnknownHeadJobError);
    await expect(jobs.get('../../etc')).rejects.toThrow(UnknownHeadJobError);
    await expect(jobs.activate('none', 'street')).rejects.toThrow(/needs "concept_space_id"/);
    await expect(jobs.activate('none', 'a b', SPACE)).rejects.toThrow(/"stream_group" must be/);
  });
});
