/**
 * npm run demo:scale — encoders added and removed mid-stream, with the lag and throughput they give, and a check
 * that no window was lost or duplicated while the group rebalanced.
 *
 *   npm run demo:scale -- [--model DIR] [--streams N] [--seconds S] [--add-at T] [--remove-at T] [--cores K] [--every S]
 *
 * It starts a stack of its own (`stack up --encoders 1 --encoder-cores K`: each encoder pinned to K cores of its own;
 * its own state directory, topics of 8 partitions and consumer groups, beside anything else on the broker), POSTs N
 * streams of S seconds of demo audio to ingest at once, and every --every seconds prints what the broker says of the
 * encoders' group (members, lag, windows committed per second) and of the decomposers'. --add-at seconds after the
 * upload began it runs `stack up --encoders 2`, at --remove-at `stack up --encoders 1` (the second encoder finishes its
 * batch, commits and leaves). When every window has come out of the decomposer, it reads the embeddings and concept
 * topics back as a read_committed consumer and counts each (stream, window) — expected exactly once — and prints each
 * phase's throughput (windows committed over the phase's span, while the encoders had work) and largest lag, then
 * stops the stack.
 *
 * --model: the encoders' model (default the demo model, whose encoder keeps up with ingest on two cores; the CLAP-size
 * benchmark model of tools/clap-size-model makes the encoders the bottleneck, as on real CLAP, its tags meaningless).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { AudioEmbedding, ConceptFrame, TOPICS } from '@audio-concepts/shared-contracts';
import {
  createConsumer,
  createKafka,
  decodeMessage,
  DEFAULT_BROKERS,
  GroupProgress,
  type GroupSample,
} from '@audio-concepts/platform-kafka';
import { readState } from '@audio-concepts/platform-launcher';
import { freePorts, isolatedStackEnv } from '@audio-concepts/platform-launcher/testing';
import { demoPcm, streamWav, upload } from './demo-streams';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'apps', 'cli', 'dist', 'main.js');
const WINDOW_S = 10;
const PARTITIONS = 8;

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    streams: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '300' },
    'add-at': { type: 'string', default: '60' },
    'remove-at': { type: 'string', default: '110' },
    cores: { type: 'string', default: '1' },
    every: { type: 'string', default: '5' },
  },
});
const count = (name: keyof typeof args) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name}: expected a whole number ≥ 1, got '${args[name]}'`);
  return value;
};
const streams = count('streams');
const seconds = count('seconds');
const addAt = count('add-at');
const removeAt = count('remove-at');
const cores = count('cores');
const every = count('every');
if (removeAt <= addAt) throw new Error('--remove-at must come after --add-at');

const RUN = randomBytes(4).toString('hex');
const topic = (name: string) => `scale.${RUN}.${name}`;
const stackDir = mkdtempSync(join(tmpdir(), 'scale-demo-'));
const stackEnv = isolatedStackEnv(`scale-${RUN}`, {
  windows: topic(TOPICS.windows),
  embeddings: topic(TOPICS.embeddings),
  concepts: topic(TOPICS.concepts),
});
const env = { ...process.env, AUDIO_CONCEPTS_STACK_DIR: stackDir, ...stackEnv };
const started = Date.now();
const elapsed = () => (Date.now() - started) / 1000;
const say = (message: string) => process.stdout.write(`${elapsed().toFixed(1).padStart(6)} s  ${message}\n`);

/** The command line, its stderr lines echoed as they come; rejects on a non-zero exit. */
function cli(...argv: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let pending = '';
    child.stderr.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) say(`  ${line}`);
    });
    child.once('close', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`audio-concepts ${argv.join(' ')} failed (exit ${code})`)),
    );
  });
}

/** A stretch of the run with one group size: its first and last samples while the encoders had work. */
interface Phase {
  encoders: number;
  first?: GroupSample;
  last?: GroupSample;
  maxLag: number;
}

/** Every (stream, window) of this run in `topicName`, as a read_committed consumer sees them: how many times each. */
async function copiesOf(
  topicName: string,
  decode: (value: Buffer | null) => { streamId: string; windowSeq: number },
  expected: number,
): Promise<Map<string, number>> {
  const kafka = createKafka({ brokers: [...DEFAULT_BROKERS], clientId: 'scale-demo-reader' });
  const consumer = createConsumer(kafka, { groupId: `scale-${RUN}-reader-${randomBytes(3).toString('hex')}` });
  const copies = new Map<string, number>();
  let read = 0;
  let lastAt = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: topicName, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const { streamId, windowSeq } = decode(message.value);
        const key = `${streamId}/${windowSeq}`;
        copies.set(key, (copies.get(key) ?? 0) + 1);
        read++;
        lastAt = Date.now();
      },
    });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && (read < expected || Date.now() - lastAt < 2_000)) await sleep(200);
  } finally {
    await consumer.disconnect();
  }
  return copies;
}

function verdict(what: string, copies: Map<string, number>, expected: number): boolean {
  const duplicated = [...copies.values()].filter((n) => n > 1).length;
  const missing = expected - copies.size;
  say(
    `${what}: ${copies.size} of ${expected} windows, ${missing} missing, ${duplicated} duplicated ` +
      (missing === 0 && duplicated === 0 ? '(each exactly once)' : '(NOT exactly once)'),
  );
  return missing === 0 && duplicated === 0;
}

async function main(): Promise<void> {
  say(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; node ${process.version}`);
  const kafka = createKafka({ brokers: [...DEFAULT_BROKERS], clientId: 'scale-demo' });
  const port = await freePorts(6);
  const grpcPort = await freePorts(1);
  const model = args.model ? ['--model', resolve(args.model)] : [];
  const ports = ['--port', String(port), '--grpc-port', String(grpcPort)];
  const kafkaScript = join(ROOT, 'deploy', 'local', 'kafka.sh');
  const kafkaWasUp = spawnSync(kafkaScript, ['status'], { stdio: 'ignore' }).status === 0;
  if (!kafkaWasUp && spawnSync(kafkaScript, ['start'], { stdio: 'inherit' }).status !== 0)
    throw new Error('the local Kafka broker did not start (deploy/local/kafka.sh start)');
  const admin = kafka.admin();
  await admin.connect();
  const topics = [TOPICS.windows, TOPICS.embeddings, TOPICS.concepts].map(topic);
  const encoders = new GroupProgress(kafka, stackEnv.ENCODER_GROUP, stackEnv.ENCODER_INPUT_TOPIC);
  const decomposers = new GroupProgress(kafka, stackEnv.DECOMPOSER_GROUP, stackEnv.DECOMPOSER_INPUT_TOPIC);
  let ok = false;
  try {
    say(`stack of its own: ${stackDir}, topics scale.${RUN}.* (${PARTITIONS} partitions)`);
    await admin.createTopics({
      topics: topics.flatMap((t) => [t, `${t}.dlq`]).map((t) => ({ topic: t, numPartitions: PARTITIONS })),
      waitForLeaders: true,
    });
    await cli('stack', 'up', ...ports, '--encoders', '1', '--encoder-cores', String(cores), ...model);
    const state = readState(stackDir)!;
    const ingest = state.services.find((s) => s.kind === 'ingest')!;
    const clips = demoPcm();
    const expected = streams * Math.ceil(seconds / WINDOW_S);
    say(`POSTing ${streams} streams of ${seconds} s (${expected} windows) to ingest at once`);
    const uploads = Promise.all(
      Array.from({ length: streams }, (_, i) =>
        upload(ingest.url, state.token, `scale-${RUN}-${i}`, streamWav(clips, i, seconds), false),
      ),
    );
    let uploaded = false;
    void uploads.then(() => (uploaded = true));
    const uploadStart = Date.now();
    const sinceUpload = () => (Date.now() - uploadStart) / 1000;

    const phases: Phase[] = [];
    let scaling: Promise<void> | undefined;
    let step = 0;
    let previous: [GroupSample, GroupSample] | undefined;
    for (;;) {
      await sleep(every * 1000);
      const now: [GroupSample, GroupSample] = [await encoders.sample(), await decomposers.sample()];
      const members = readState(stackDir)!.services.filter((s) => s.kind === 'encoder').length;
      if (previous) {
        const rate = GroupProgress.rate(previous[0], now[0]);
        const frames = GroupProgress.rate(previous[1], now[1]);
        say(
          `encoders ${members} (${now[0].members} in the group): lag ${now[0].lag} windows, ${rate.toFixed(1)} windows/s` +
            `  |  decomposers: lag ${now[1].lag}, ${frames.toFixed(1)} embeddings/s`,
        );
        let phase = phases[phases.length - 1];
        if (!phase || phase.encoders !== now[0].members) phases.push((phase = { encoders: now[0].members, maxLag: 0 }));
        // throughput counts only while there was work waiting (an idle group commits nothing)
        if (previous[0].lag > 0 && previous[0].members === now[0].members) {
          phase.first ??= previous[0];
          phase.last = now[0];
        }
        phase.maxLag = Math.max(phase.maxLag, now[0].lag);
      }
      previous = now;
      if (step === 0 && sinceUpload() >= addAt) {
        step = 1;
        scaling = cli('stack', 'up', ...ports, '--encoders', '2');
      } else if (step === 1 && sinceUpload() >= removeAt) {
        step = 2;
        await scaling;
        scaling = cli('stack', 'up', ...ports, '--encoders', '1');
      }
      // done: all uploaded, nothing left to encode, and the decomposers have committed all of it
      if (uploaded && step === 2 && now[0].lag === 0 && now[1].lag <= PARTITIONS) break;
      if (elapsed() > 1_800) throw new Error('the run did not drain within 30 minutes');
    }
    await scaling;
    await uploads;
    say('every window is encoded; reading the topics back (read_committed)');
    const embeddings = await copiesOf(
      topic(TOPICS.embeddings),
      (v) => decodeMessage(AudioEmbedding, 'audio_concepts.v1.AudioEmbedding', v),
      expected,
    );
    const frames = await copiesOf(
      topic(TOPICS.concepts),
      (v) => decodeMessage(ConceptFrame, 'audio_concepts.v1.ConceptFrame', v),
      expected,
    );
    ok = verdict('embeddings', embeddings, expected) && verdict('concept frames', frames, expected);
    say('phases (the encoders in the group; throughput over the samples with windows waiting):');
    for (const phase of phases) {
      const rate = phase.first && phase.last ? GroupProgress.rate(phase.first, phase.last) : undefined;
      const span = phase.first && phase.last ? (phase.last.atMs - phase.first.atMs) / 1000 : 0;
      say(
        `  ${phase.encoders} encoder${phase.encoders === 1 ? ' ' : 's'}: ` +
          (rate === undefined ? 'no work waiting' : `${rate.toFixed(2)} windows/s over ${span.toFixed(0)} s`) +
          `, largest lag ${phase.maxLag} windows`,
      );
    }
  } finally {
    await encoders.close();
    await decomposers.close();
    await cli('stack', 'down', '--keep-kafka', '--grace', '10').catch((error: unknown) => say(String(error)));
    await admin.deleteTopics({ topics: topics.flatMap((t) => [t, `${t}.dlq`]) }).catch(() => undefined);
    await admin.disconnect();
    if (!kafkaWasUp) spawnSync(kafkaScript, ['stop'], { stdio: 'inherit' });
    rmSync(stackDir, { recursive: true, force: true });
  }
  if (!ok) process.exitCode = 1;
}

void main().catch((error: unknown) => {
  process.stderr.write(`demo:scale: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
