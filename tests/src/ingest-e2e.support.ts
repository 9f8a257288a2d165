import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { AudioWindow } from '@audio-concepts/shared-contracts';
import { createConsumer, decodeMessage, uniqueGroupId } from '@audio-concepts/platform-kafka';
import { REPO_ROOT } from './harness';

/** Helpers of the ingest end-to-end specs (ingest-*.e2e.spec.ts). */

/** A bearer token of the strength ingest requires: 32 random bytes, base64url. */
export function strongToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Builds the ingest service (the specs run its dist/). */
export function buildIngest(): void {
  const build = spawnSync('npx', ['nx', 'run', '@audio-concepts/ingest:build', '--output-style=stream'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`building ingest failed:\n${build.stdout}\n${build.stderr}`);
}

/** A window read back from the topic, with the producer id of its record batch (-1: not idempotent). */
export interface ReadWindow {
  key: string;
  partition: number;
  producerId: string;
  window: AudioWindow;
}

/** Reads every window of `topic` from the beginning into `into`, until the consumer is disconnected. */
export async function readWindows(kafka: Kafka, topic: string, into: ReadWindow[]): Promise<Consumer> {
  const consumer = createConsumer(kafka, { groupId: uniqueGroupId('e2e-ingest-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      into.push({
        key: message.key?.toString() ?? '',
        partition,
        // kafkajs keeps the record batch's header on each message (not in its types)
        producerId: String(
          (message as KafkaMessage & { batchContext?: { producerId: unknown } }).batchContext?.producerId,
        ),
        window: decodeMessage(AudioWindow, 'audio_concepts.v1.AudioWindow', message.value),
      });
    },
  });
  return consumer;
}

/** POSTs `body` to a stream and returns the status and the parsed JSON answer. */
export async function upload(
  baseUrl: string,
  token: string,
  stream: string,
  body: Buffer | AsyncIterable<Buffer>,
  query = '',
  signal?: AbortSignal,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const streaming = !Buffer.isBuffer(body);
  const response = await fetch(`${baseUrl}/v1/streams/${stream}/audio${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: body as unknown as RequestInit['body'],
    signal: signal ?? AbortSignal.timeout(60_000),
    ...(streaming ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
