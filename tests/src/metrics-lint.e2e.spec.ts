import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LaunchedService } from '@audio-concepts/platform-launcher';
import { ConceptFrame } from '@audio-concepts/shared-contracts';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { collect, createTestKafka, createTopics, REPO_ROOT, startService, type ServiceName } from './harness';

/**
 * Every service's /metrics passes `promtool check metrics` (Prometheus's own linter: names, base units, `_total`
 * counters, help texts), read once audio went through the pipeline so that counters and histograms have samples.
 * promtool is the Debian package `prometheus` (tools/test/setup.sh installs it): without it this test fails.
 */

const TOKEN = 'e2e-token-Lm4Rt8Ye2Wq6Zu0Io3Pa7Sd1Fg5Hj9Kl-Xc_Vb2Nn';
const DEMO_FILE = join(REPO_ROOT, 'examples', 'audio', 'siren-then-beeps.wav');
const INSTALL = 'promtool is not installed: run tools/test/setup.sh (Debian/Ubuntu: apt-get install -y prometheus)';

/** A sample each service must have counted once the audio went through: the lint then reads real samples. */
const COUNTED: Record<ServiceName, RegExp> = {
  ingest: /^audio_concepts_ingest_windows_total(\{[^}]*\})? [1-9]/m,
  encoder: /^audio_concepts_encoder_windows_encoded_total(\{[^}]*\})? [1-9]/m,
  decomposer: /^audio_concepts_decomposer_frame_l0_count(\{[^}]*\})? [1-9]/m,
  metrics: /^audio_concepts_frames_total\{stream_group="default"[^}]*\} [1-9]/m,
  // no job runs here (heads.e2e.spec.ts trains some): the queue gauge is there from the start
  trainer: /^audio_concepts_trainer_jobs_queued(\{[^}]*\})? 0/m,
};

/** `promtool check metrics` on `text`: its exit status and everything it said. */
function promtoolCheck(text: string): { status: number | null; said: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`${INSTALL} (${r.error.message})`);
  return { status: r.status, said: `${r.stdout}${r.stderr}` };
}

describe('promtool check metrics on every service', () => {
  let kafka: Kafka;
  let admin: Admin;
  const services: Partial<Record<ServiceName, LaunchedService & { baseUrl: string }>> = {};
  let frames: Awaited<ReturnType<typeof collect<ConceptFrame>>> | undefined;

  beforeAll(async () => {
    kafka = createTestKafka();
    admin = kafka.admin();
    await admin.connect();
    const topics = await createTopics(admin, 2);
    const group = topics.windows.split('.')[1];
    [services.decomposer, services.encoder, services.ingest, services.metrics, services.trainer] = await Promise.all([
      startService('decomposer', {
        DECOMPOSER_INPUT_TOPIC: topics.embeddings,
        DECOMPOSER_OUTPUT_TOPIC: topics.concepts,
        DECOMPOSER_GROUP: `decomposer-${group}`,
      }),
      startService('encoder', {
        ENCODER_INPUT_TOPIC: topics.windows,
        ENCODER_OUTPUT_TOPIC: topics.embeddings,
        ENCODER_GROUP: `encoder-${group}`,
      }),
      startService('ingest', { INGEST_TOKEN: TOKEN, INGEST_WINDOWS_TOPIC: topics.windows }),
      startService('metrics', {
        METRICS_TOKEN: TOKEN,
        METRICS_INPUT_TOPIC: topics.concepts,
        METRICS_GROUP: `metrics-${group}`,
        ENCODER_GROUP: `encoder-${group}`,
        DECOMPOSER_GROUP: `decomposer-${group}`,
        ENCODER_INPUT_TOPIC: topics.windows,
        DECOMPOSER_INPUT_TOPIC: topics.embeddings,
        METRICS_PROBE_INTERVAL_MS: '1000',
      }),
      startService('trainer', {
        TRAINER_TOKEN: TOKEN,
        TRAINER_DATA_DIR: tmpdir(),
        HEADS_TOPIC: `${topics.windows}.heads`,
      }),
    ]);
    frames = await collect(kafka, topics.concepts, ConceptFrame, 'audio_concepts.v1.ConceptFrame');
    const response = await fetch(`${services.ingest.baseUrl}/v1/streams/lint/audio`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
      body: readFileSync(DEMO_FILE),
    });
    expect(response.status, await response.text()).toBe(200);
    await waitFor(() => frames!.messages.filter((f) => f.streamId === 'lint').length >= 3, 'the 3 frames', 90_000);
  }, 180_000);

  afterAll(async () => {
    await frames?.stop();
    await Promise.all(Object.values(services).map((s) => s.stop()));
    await admin?.disconnect();
  }, 60_000);

  it('promtool is installed (the Debian package prometheus)', () => {
    const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    expect(r.error === undefined && r.status === 0, INSTALL).toBe(true);
  });

  it.each(['ingest', 'encoder', 'decomposer', 'metrics', 'trainer'] as const)(
    '%s: /metrics, with samples, passes promtool check metrics silently',
    async (name) => {
      const service = services[name]!;
      // The decomposer counts the frame after producing it: give the counters a moment to show the last one.
      let text = '';
      await waitFor(
        async () => COUNTED[name].test((text = await (await fetch(`${service.baseUrl}/metrics`)).text())),
        `${name}'s samples on /metrics`,
        30_000,
      );
      const { status, said } = promtoolCheck(text);
      expect(said, `promtool check metrics on ${name}'s /metrics`).toBe('');
      expect(status).toBe(0);
    },
  );
});
