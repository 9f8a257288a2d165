import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { createKafka, GroupProgress, type GroupSample } from '@audio-concepts/platform-kafka';
import { readState, stackDir } from '@audio-concepts/platform-launcher';
import { CONSUMER_GROUPS, TOPICS } from '@audio-concepts/shared-contracts';
import { parsePositiveInt, parsePositiveNumber } from '../options';
import { defaultBrokers, parseBrokers } from './kafka-options';

interface LagOptions {
  every: number;
  count?: number;
  json?: boolean;
  brokers?: string[];
}

/** A stage's consumer group on its input topic, named as the services name them (their environment, else defaults). */
interface Stage {
  stage: string;
  unit: string;
  progress: GroupProgress;
}

/** `stack lag`; `root` is the repo root, under which it finds a running stack's brokers. */
export function stackLagCommand(root: string): Command {
  return new Command('lag')
    .description(
      "every few seconds, each stage's consumer group as the broker sees it: members, lag, and the rate it commits " +
        "at (the encoders' on the windows topic, the decomposers' on the embeddings topic); watch it while " +
        '`stack up --encoders N` adds or removes encoders',
    )
    .option('--every <S>', 'seconds between lines', parsePositiveNumber, 2)
    .option('--count <N>', 'lines to print, then exit (default: until interrupted)', parsePositiveInt)
    .option(
      '--json',
      'one JSON object per line: {"t_s","stages":[{"stage","group","topic","members","lag","per_s"}]} (per_s null on the first)',
    )
    .option(
      '--brokers <LIST>',
      "Kafka brokers (default: the running stack's, else $KAFKA_BROKERS or the local one)",
      parseBrokers,
    )
    .action(async (options: LagOptions) => runLag(root, options));
}

async function runLag(root: string, options: LagOptions): Promise<void> {
  const brokers = options.brokers ?? readState(stackDir(root))?.brokers ?? defaultBrokers();
  const kafka = createKafka({ brokers, clientId: 'audio-concepts-stack-lag' });
  const env = process.env;
  const stages: Stage[] = [
    {
      stage: 'encoders',
      unit: 'windows',
      progress: new GroupProgress(
        kafka,
        env.ENCODER_GROUP ?? CONSUMER_GROUPS.encoder,
        env.ENCODER_INPUT_TOPIC ?? TOPICS.windows,
      ),
    },
    {
      stage: 'decomposers',
      unit: 'embeddings',
      progress: new GroupProgress(
        kafka,
        env.DECOMPOSER_GROUP ?? CONSUMER_GROUPS.decomposer,
        env.DECOMPOSER_INPUT_TOPIC ?? TOPICS.embeddings,
      ),
    },
  ];
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  const started = Date.now();
  let previous: GroupSample[] | undefined;
  try {
    for (let line = 1; !stop.signal.aborted && (options.count === undefined || line <= options.count); line++) {
      if (line > 1) await sleep(options.every * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
      if (stop.signal.aborted) break;
      const samples = await Promise.all(stages.map((s) => s.progress.sample()));
      const rates = samples.map((s, i) => (previous ? GroupProgress.rate(previous[i], s) : undefined));
      const t = (Date.now() - started) / 1000;
      process.stdout.write(
        options.json
          ? `${JSON.stringify({
              t_s: Number(t.toFixed(1)),
              stages: samples.map((s, i) => ({
                stage: stages[i].stage,
                group: s.group,
                topic: s.topic,
                members: s.members,
                lag: s.lag,
                per_s: rates[i] === undefined ? null : Number(rates[i]!.toFixed(2)),
              })),
            })}\n`
          : `${t.toFixed(1).padStart(6)} s  ${samples.map((s, i) => describe(stages[i], s, rates[i])).join('  |  ')}\n`,
      );
      previous = samples;
    }
  } finally {
    process.off('SIGINT', onSignal);
    await Promise.all(stages.map((s) => s.progress.close()));
  }
}

function describe(stage: Stage, sample: GroupSample, rate: number | undefined): string {
  const members = `${sample.members} ${sample.members === 1 ? 'member' : 'members'}`;
  const perS = rate === undefined ? '-' : `${rate.toFixed(1)} ${stage.unit}/s`;
  return `${stage.stage}: ${members}, lag ${sample.lag} ${stage.unit}, ${perS}`;
}
