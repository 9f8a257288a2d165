/**
 * Throughput of the metrics service (apps/metrics) for `npm run bench:metrics`: frames/s through its rule in one
 * process (`Watcher`: stream group, Prometheus metrics, drift detector — no Kafka, no live page), and through the real
 * service process reading a topic of pre-produced frames from the local broker (deploy/local/kafka.sh), with the
 * CPU time it used (/proc/<pid>/stat). Frames: AudioSet's vocabulary size, ~10 concepts each, 20 streams in 4
 * groups; each group's reference is frozen from its first 2000 frames (the default) during the run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import type { DriftFrame } from '@audio-concepts/metrics-drift';
import { SceneWorld } from '@audio-concepts/metrics-drift/testing';
import { WatchMetrics, Watcher } from '@audio-concepts/metrics-service';
import { StreamGroups } from '@audio-concepts/shared-contracts';
import { createKafka, DEFAULT_BROKERS } from '@audio-concepts/platform-kafka';
import { launchService } from '@audio-concepts/platform-launcher';
import { ConceptFrame } from '@audio-concepts/shared-contracts';
import type { BenchRow } from './drift-throughput';
import { cpuSeconds } from './process-cpu';

const ROOT = resolve(__dirname, '..', '..');
const GROUPS = 'street-*=street,studio-*=studio,home-*=home';
/** enough frames for every group's reference (2000 each; the streams are spread unevenly over the 4 groups) */
const REFERENCE_FRAMES_TOTAL = 18_000;
const STREAMS = [
  'street-1',
  'street-2',
  'street-3',
  'street-4',
  'street-5',
  'studio-1',
  'studio-2',
  'home-1',
  'other-1',
];

function frames(count: number, concepts: number): ConceptFrame[] {
  const world = new SceneWorld({ concepts, activePerFrame: 10, seed: 7 });
  const streams = STREAMS.map((id, i) => world.stream({ seed: 100 + i, streamId: id }));
  return Array.from({ length: count }, (_, i) => toConceptFrame(streams[i % streams.length].next()));
}

function toConceptFrame(f: DriftFrame): ConceptFrame {
  return ConceptFrame.fromPartial({
    streamId: f.streamId,
    windowSeq: f.windowSeq,
    startMs: f.startMs,
    durationMs: f.durationMs,
    conceptSpaceId: 'bench',
    concepts: f.concepts.map((c, index) => ({ index, label: c.label, weight: c.weight })),
    cosine: f.cosine,
    l0: f.l0,
    ingestedAtMs: Date.now(),
  });
}

/** The service's rule alone, in this process. */
export function watcherThroughput(options: { concepts: number; frames: number }): BenchRow[] {
  const all = frames(REFERENCE_FRAMES_TOTAL + options.frames, options.concepts);
  const watcher = new Watcher({
    groups: StreamGroups.parse(GROUPS),
    drift: { referenceWindows: 2000, falseAlarmsPerDay: 1 },
    topConcepts: 20,
    metrics: new WatchMetrics(new Registry()),
  });
  const warm = REFERENCE_FRAMES_TOTAL;
  let t = performance.now();
  for (const frame of all.slice(0, warm)) watcher.handle(frame);
  const collecting = (performance.now() - t) / 1000;
  t = performance.now();
  for (const frame of all.slice(warm)) watcher.handle(frame);
  const watching = (performance.now() - t) / 1000;
  return [
    {
      what: `first ${warm} frames: 4 groups collect and freeze their 2000-frame references (s, one core)`,
      value: collecting.toFixed(2),
    },
    {
      what: `then ${all.length - warm} frames, all groups watching (frames/s, one core)`,
      value: ((all.length - warm) / watching).toFixed(0),
    },
  ];
}

/** The real service reading pre-produced frames from the local broker. */
export async function serviceThroughput(options: { concepts: number; frames: number }): Promise<BenchRow[]> {
  const run = randomBytes(4).toString('hex');
  const topic = `bench.${run}.audio.concepts.v1`;
  const kafka = createKafka({ brokers: DEFAULT_BROKERS, clientId: 'bench-metrics' });
  const admin = kafka.admin();
  await admin.connect().catch((error: Error) => {
    throw new Error(`no Kafka broker at ${DEFAULT_BROKERS.join(',')} (deploy/local/kafka.sh start): ${error.message}`);
  });
  const producer = kafka.producer();
  const port = await freePort();
  const token = randomBytes(32).toString('base64url');
  const launchOptions = {
    name: 'metrics-bench',
    script: join(ROOT, 'apps', 'metrics', 'dist', 'main.js'),
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_TOKEN: token,
      METRICS_INPUT_TOPIC: topic,
      METRICS_GROUP: `bench-${run}-metrics`,
      METRICS_GROUPS: GROUPS,
    },
    logFile: join(mkdtempSync(join(tmpdir(), 'bench-metrics-')), 'metrics.log'),
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  };
  const service = launchService(launchOptions);
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 8 }], waitForLeaders: true });
    await producer.connect();
    const all = frames(REFERENCE_FRAMES_TOTAL + options.frames, options.concepts);
    const send = async (part: ConceptFrame[]) => {
      for (let i = 0; i < part.length; i += 2000)
        await producer.send({
          topic,
          messages: part
            .slice(i, i + 2000)
            .map((f) => ({ key: f.streamId, value: Buffer.from(ConceptFrame.encode(f).finish()) })),
        });
    };
    const seen = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return [...text.matchAll(/^audio_concepts_frames_total\{[^}]*\} (\S+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
    };
    const until = async (count: number) => {
      // a scrape may be refused while a group's reference freezes (the event loop is busy for seconds): ask again
      while ((await seen().catch(() => -1)) < count) await new Promise((r) => setTimeout(r, 50));
    };
    await service.ready(120_000);
    // the references first: every group collects and freezes its own, and the state is committed
    await send(all.slice(0, REFERENCE_FRAMES_TOTAL));
    await until(REFERENCE_FRAMES_TOTAL);
    await service.stop();
    // then frames already on the topic when a restarted service (resuming from that state) reads them
    await send(all.slice(REFERENCE_FRAMES_TOTAL));
    process.stderr.write(`  ${options.frames} more frames on ${topic}; restarting the service\n`);
    const again = launchService({ ...launchOptions, logFile: `${launchOptions.logFile}.2` });
    try {
      // timed from the first frame it counts to the last (its start and its reading of the state are not timed)
      let first = 0;
      let t0 = 0;
      let cpu0 = 0;
      for (;;) {
        const n = await seen().catch(() => 0);
        if (n > 0 && first === 0) [first, t0, cpu0] = [n, performance.now(), cpuSeconds(again.child.pid!)];
        if (n >= options.frames) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const seconds = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(again.child.pid!) - cpu0;
      const counted = options.frames - first;
      return [
        {
          what: 'frames read by a restarted service, every group watching (8 partitions, 9 streams)',
          value: String(options.frames),
        },
        {
          what: 'frames/s through the service (wall clock, from its first counted frame to the last)',
          value: (counted / seconds).toFixed(0),
        },
        {
          what: 'frames per CPU-second of the service process (all its threads, same span)',
          value: (counted / cpu).toFixed(0),
        },
      ];
    } finally {
      await again.stop();
    }
  } finally {
    await service.stop();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
