import { InvalidArgumentError } from 'commander';
import { DEFAULT_BROKERS } from '@audio-concepts/platform-kafka';

/** The broker list of commands that talk to Kafka: $KAFKA_BROKERS, else the local broker of deploy/local. */
export function defaultBrokers(): string[] {
  const env = process.env.KAFKA_BROKERS?.trim();
  return env ? parseBrokers(env) : [...DEFAULT_BROKERS];
}

/** `host:port[,host:port…]` */
export function parseBrokers(value: string): string[] {
  const brokers = value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const bad = brokers.find((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad !== undefined)
    throw new InvalidArgumentError(`expected host:port[,host:port…], got '${value}'`);
  return brokers;
}
