/**
 * npm run bench:pipeline — the whole pipeline as services over Kafka (ingest → encoder → decomposer), from
 * HTTP upload to concept frame: audio-seconds per wall-second, end-to-end latency and per-stage throughput.
 *
 *   npm run bench:pipeline -- [--streams N] [--seconds S] [--realtime] [--timeout S] [--delivery MODE]
 *
 * --delivery exactly-once | at-least-once | both: start a stack of its own for each mode (DELIVERY=…; none may be
 * up) and run the same load on each in turn, so the price of Kafka transactions is measured in one run; `both`
 * runs them in the order exactly-once, at-least-once, at-least-once, exactly-once and prints the mean of each.
 *
 * It uses the stack of `audio-concepts stack up` (.stack/state.json, or $AUDIO_CONCEPTS_STACK_DIR); when none is
 * up it starts one and stops it at the end. N streams of S seconds each (demo audio from examples/audio, looped)
 * are POSTed to ingest at once: as fast as possible by default, or paced at real time with --realtime.
 * A consumer of its own reads audio.windows.v1, audio.embeddings.v1 and audio.concepts.v1 (from the offsets
 * they had before the upload, only this run's streams) and measures
 *   - latency: Kafka timestamp of the concept frame − ingestedAtMs (when the window closed at ingest),
 *   - per-stage throughput: messages / (last − first message time) for windows, embeddings and frames,
 *   - audio-seconds per wall-second: the audio's length / (last frame − start of the uploads),
 *   - CPU per window of each service: its process's user + system CPU time (/proc/<pid>/stat) from just before the
 *     uploads to the last frame, divided by the windows of this run (idle polling included, a few ms per second).
 * It prints a small table and, last, one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConceptFrame, TOPICS } from '@audio-concepts/shared-contracts';
import { createConsumer, createKafka, decodeMessage } from '@audio-concepts/platform-kafka';
import { readState, stackDir, stateFile, type StackState } from '@audio-concepts/platform-launcher';
import { demoPcm, streamWav, upload } from './demo-streams';
import { cpuSeconds } from './process-cpu';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'audio-concepts');

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '60' },
    realtime: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '900' },
    delivery: { type: 'string' },
  },
});
const DELIVERY_MODES = ['exactly-once', 'at-least-once'] as const;
type DeliveryMode = (typeof DELIVERY_MODES)[number];
const deliveries: DeliveryMode[] | undefined =
  args.delivery === undefined
    ? undefined
    : args.delivery === 'both'
      ? // ABBA: the first stack of a run is slower (a cold broker and page cache), so each mode runs once early, once late
        ['exactly-once', 'at-least-once', 'at-least-once', 'exactly-once']
      : DELIVERY_MODES.includes(args.delivery as DeliveryMode)
        ? [args.delivery as DeliveryMode]
        : (() => {
            throw new Error(`--delivery: expected exactly-once, at-least-once or both, got '${args.delivery}'`);
          })();
const streams = positive('streams', args.streams);
const seconds = positive('seconds', args.seconds);
const timeoutS = positive('timeout', args.timeout);

function positive(name: string, value: string): number {
  const x = Number(value);
  if (!Number.isFinite(x) || x <= 0) throw new Error(`--${name}: expected a number > 0, got '${value}'`);
  return x;
}

const say = (message: string) => process.stderr.write(`bench: ${message}\n`);

function cli(...argv: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...argv], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`audio-concepts ${argv.join(' ')} failed (exit ${r.status})`);
}

/** The stack's state; starts a stack first when none is up (and says how to stop it: `stop`). */
function useStack(): { state: StackState; stop?: () => void } {
  const dir = stackDir(ROOT);
  const running = readState(dir);
  if (running) return { state: running };
  const kafkaWasUp = spawnSync(join(ROOT, 'deploy', 'local', 'kafka.sh'), ['status'], { stdio: 'ignore' }).status === 0;
  say('no stack is up: starting one (audio-concepts stack up)');
  cli('stack', 'up');
  const stop = () => cli('stack', 'down', ...(kafkaWasUp ? ['--keep-kafka'] : []));
  try {
    const state = readState(dir);
    if (!state) throw new Error(`stack up left no ${stateFile(dir)}`);
    return { state, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface StageCount {
  count: number;
  first: number;
  last: number;
}

async function main(): Promise<void> {
  if (!deliveries) {
    const { state, stop } = useStack();
    try {
      await bench(state);
    } finally {
      stop?.();
    }
    return;
  }
  if (readState(stackDir(ROOT)))
    throw new Error('--delivery starts stacks of its own: stop the running one first (audio-concepts stack down)');
  const results: BenchResult[] = [];
  for (const delivery of deliveries) {
    process.env.DELIVERY = delivery; // the stack's services inherit it
    say(`DELIVERY=${delivery}`);
    const { state, stop } = useStack();
    try {
      results.push({ delivery, ...(await bench(state)) });
    } finally {
      stop?.();
    }
  }
  if (results.length > 1) {
    const mean = (mode: string, pick: (r: BenchResult) => number | null) => {
      const values = results.filter((r) => r.delivery === mode).map(pick);
      return round(values.reduce<number>((a, b) => a + (b ?? NaN), 0) / values.length);
    };
    for (const mode of DELIVERY_MODES)
      results.push({
        delivery: `${mode} (mean)`,
        audio_s_per_s: mean(mode, (r) => r.audio_s_per_s),
        latency_ms: {
          p50: mean(mode, (r) => r.latency_ms.p50) ?? NaN,
          p95: mean(mode, (r) => r.latency_ms.p95) ?? NaN,
        },
        cpu_ms_per_window: Object.fromEntries(
          Object.keys(results[0].cpu_ms_per_window).map((name) => [name, mean(mode, (r) => r.cpu_ms_per_window[name])]),
        ),
      });
    console.log('delivery               audio-s/s   p50 ms   p95 ms   CPU ms/window');
    for (const r of results) {
      const cpu = Object.entries(r.cpu_ms_per_window)
        .map(([name, ms]) => `${name} ${ms}`)
        .join(', ');
      console.log(
        `${String(r.delivery).padEnd(21)}  ${String(r.audio_s_per_s).padStart(9)}  ${String(r.latency_ms.p50).padStart(7)}  ${String(r.latency_ms.p95).padStart(7)}   ${cpu}`,
      );
    }
    console.log(JSON.stringify({ comparison: results }));
  }
}

interface BenchResult {
  delivery?: string;
  audio_s_per_s: number | null;
  latency_ms: { p50: number; p95: number };
  cpu_ms_per_window: Record<string, number | null>;
}

async function bench(state: StackState): Promise<BenchResult> {
  const ingest = state.services.find((s) => s.kind === 'ingest');
  if (!ingest) throw new Error('the stack has no ingest service');
  const encoders = state.services.filter((s) => s.kind === 'encoder').length;
  const decomposers = state.services.filter((s) => s.kind === 'decomposer').length;
  const run = randomBytes(3).toString('hex');
  const ids = Array.from({ length: streams }, (_, i) => `bench-${run}-${i}`);
  const mine = new Set(ids);
  const clips = demoPcm();
  const wavs = ids.map((_, i) => streamWav(clips, i, seconds));

  const kafka = createKafka({ brokers: state.brokers, clientId: 'audio-concepts-bench' });
  const admin = kafka.admin();
  const consumer = createConsumer(kafka, { groupId: `audio-concepts-bench-${run}`, maxWaitTimeInMs: 100 });
  const topics = [TOPICS.windows, TOPICS.embeddings, TOPICS.concepts];
  const stages = new Map<string, StageCount>(topics.map((t) => [t, { count: 0, first: Infinity, last: 0 }]));
  const windowsPerStream = new Map<string, number>();
  const framesPerStream = new Map<string, Set<number>>();
  const latencies: number[] = [];
  let allUploaded = false;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const complete = () =>
    allUploaded && ids.every((id) => (framesPerStream.get(id)?.size ?? 0) >= (windowsPerStream.get(id) ?? Infinity));

  try {
    await admin.connect();
    // Where each topic ends now: the consumer starts there, so it sees all of this run and nothing older.
    const start = new Map(await Promise.all(topics.map(async (t) => [t, await admin.fetchTopicOffsets(t)] as const)));
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: false });
    const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
    await consumer.run({
      partitionsConsumedConcurrently: 4,
      eachMessage: async ({ topic, message }) => {
        const stream = message.key?.toString('utf8') ?? '';
        if (!mine.has(stream)) return;
        const at = Number(message.timestamp);
        const stage = stages.get(topic)!;
        stage.count++;
        stage.first = Math.min(stage.first, at);
        stage.last = Math.max(stage.last, at);
        if (topic === TOPICS.windows) windowsPerStream.set(stream, (windowsPerStream.get(stream) ?? 0) + 1);
        if (topic === TOPICS.concepts) {
          const frame = decodeMessage(ConceptFrame, 'audio_concepts.v1.ConceptFrame', message.value);
          const seen = framesPerStream.get(stream) ?? new Set<number>();
          framesPerStream.set(stream, seen);
          if (!seen.has(frame.windowSeq)) {
            seen.add(frame.windowSeq);
            latencies.push(at - frame.ingestedAtMs);
          }
        }
        if (complete()) finished();
      },
    });
    await joined;
    for (const [topic, offsets] of start)
      for (const { partition, offset } of offsets) consumer.seek({ topic, partition, offset });

    say(
      `${streams} stream${streams === 1 ? '' : 's'} × ${seconds} s → ${ingest.url} (${args.realtime ? 'real time' : 'as fast as possible'}); ` +
        `${encoders} encoder${encoders === 1 ? '' : 's'}, ${decomposers} decomposer${decomposers === 1 ? '' : 's'}`,
    );
    const cpuBefore = state.services.map((service) => cpuSeconds(service.pid));
    const began = Date.now();
    await Promise.all(ids.map((id, i) => upload(ingest.url, state.token, id, wavs[i], args.realtime)));
    const uploadedS = (Date.now() - began) / 1000;
    allUploaded = true;
    if (complete()) finished();
    const timer = setTimeout(finished, timeoutS * 1000);
    const progress = setInterval(() => {
      const frames = [...framesPerStream.values()].reduce((n, s) => n + s.size, 0);
      say(
        `${stages.get(TOPICS.windows)!.count} windows, ${stages.get(TOPICS.embeddings)!.count} embeddings, ${frames} frames so far`,
      );
    }, 10_000);
    await done;
    const cpuUsed = state.services.map((service, i) => cpuSeconds(service.pid) - cpuBefore[i]);
    clearTimeout(timer);
    clearInterval(progress);

    const frames = [...framesPerStream.values()].reduce((n, s) => n + s.size, 0);
    const windows = [...windowsPerStream.values()].reduce((n, c) => n + c, 0);
    const lastFrame = stages.get(TOPICS.concepts)!.last;
    const wallS = (lastFrame - began) / 1000;
    const audioS = streams * seconds;
    const sorted = [...latencies].sort((a, b) => a - b);
    const rate = (s: StageCount) =>
      s.count > 1 && s.last > s.first ? (s.count - 1) / ((s.last - s.first) / 1000) : NaN;
    const rows: [string, StageCount][] = [
      ['windows (ingest)', stages.get(TOPICS.windows)!],
      ['embeddings (encoder)', stages.get(TOPICS.embeddings)!],
      ['frames (decomposer)', stages.get(TOPICS.concepts)!],
    ];
    const secondsFrom = (t: number) => (Number.isFinite(t) ? ((t - began) / 1000).toFixed(2) : '-');
    console.log(
      `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; node ${process.version}`,
    );
    console.log(
      `${streams} streams × ${seconds} s, ${args.realtime ? 'real time' : 'as fast as possible'}; ${encoders} encoder(s), ${decomposers} decomposer(s); uploads took ${uploadedS.toFixed(2)} s`,
    );
    console.log('stage                  messages   first (s)   last (s)   per second');
    for (const [name, s] of rows)
      console.log(
        `${name.padEnd(21)}  ${String(s.count).padStart(8)}  ${secondsFrom(s.first).padStart(10)}  ${secondsFrom(s.last).padStart(9)}  ${rate(s).toFixed(2).padStart(11)}`,
      );
    console.log(
      `audio: ${audioS} s in ${wallS.toFixed(2)} s → ${(audioS / wallS).toFixed(1)} audio-seconds per second` +
        (frames < windows || windows === 0 ? `  (INCOMPLETE: ${frames} of ${windows} frames after ${timeoutS} s)` : ''),
    );
    const cpuPerWindowMs = Object.fromEntries(
      state.services.map((service, i) => [service.name, round((cpuUsed[i] * 1000) / Math.max(windows, 1))]),
    );
    console.log(
      `CPU per window (ms): ${Object.entries(cpuPerWindowMs)
        .map(([name, ms]) => `${name} ${ms}`)
        .join(', ')}`,
    );
    console.log(
      `latency, window closed at ingest → frame produced (ms): p50 ${percentile(sorted, 50)}, p95 ${percentile(sorted, 95)}, p99 ${percentile(sorted, 99)}, max ${sorted.at(-1)}`,
    );
    const result = {
      streams,
      seconds,
      realtime: args.realtime,
      encoders,
      decomposers,
      windows,
      frames,
      complete: frames >= windows && windows > 0,
      wall_s: round(wallS),
      audio_s_per_s: round(audioS / wallS),
      latency_ms: {
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? null,
      },
      per_s: {
        windows: round(rate(stages.get(TOPICS.windows)!)),
        embeddings: round(rate(stages.get(TOPICS.embeddings)!)),
        frames: round(rate(stages.get(TOPICS.concepts)!)),
      },
      cpu_ms_per_window: cpuPerWindowMs,
      machine: `${cpus()[0]?.model ?? 'unknown'} ×${availableParallelism()}`,
    };
    console.log(JSON.stringify({ delivery: process.env.DELIVERY ?? "the stack's", ...result }));
    return result;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

main().catch((error) => {
  console.error(`bench:pipeline: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
