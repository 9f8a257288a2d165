#!/usr/bin/env node
// Creates the topics listed in a topics.conf ("name partitions [compact] [config=value …]" per line) and their
// dead-letter topics (`<name>.dlq`, same partition count; none for control.* and compacted topics) if they do not
// exist, then waits until every partition has a leader. `compact` creates the topic with cleanup.policy=compact;
// config=value pairs are further topic configs (max.message.bytes=…).
// Broker list from KAFKA_BROKERS (default 127.0.0.1:9092). Used by deploy/local/kafka.sh start.
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [configFile, replicationArg] = process.argv.slice(2);
if (!configFile) {
  console.error('usage: create-topics.mjs TOPICS.conf [REPLICATION]');
  process.exit(2);
}
const replicationFactor = Number(replicationArg ?? 1);
const wanted = [];
for (const line of readFileSync(configFile, 'utf8').split('\n')) {
  const text = line.replace(/#.*/, '').trim();
  if (!text) continue;
  const [topic, partitions, ...options] = text.split(/\s+/);
  const count = Number(partitions);
  if (!Number.isInteger(count) || count < 1) throw new Error(`${configFile}: bad partition count in "${line}"`);
  const compact = options[0] === 'compact';
  const settings = compact ? options.slice(1) : options;
  if (settings.some((s) => !/^[a-z.]+=\S+$/.test(s))) {
    throw new Error(`${configFile}: expected "name partitions [compact] [config=value …]" in "${line}"`);
  }
  const configEntries = [
    ...(compact ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
    ...settings.map((s) => ({ name: s.slice(0, s.indexOf('=')), value: s.slice(s.indexOf('=') + 1) })),
  ];
  wanted.push({ topic, numPartitions: count, replicationFactor, configEntries });
  if (!topic.startsWith('control.') && !compact) {
    wanted.push({ topic: `${topic}.dlq`, numPartitions: count, replicationFactor });
  }
}

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const admin = new Kafka({ clientId: 'audio-concepts-topics', brokers, logLevel: logLevel.ERROR }).admin();
const deadline = Date.now() + 60_000;
try {
  for (;;) {
    try {
      await admin.connect();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
    console.error(`kafka: created ${missing.map((t) => `${t.topic} (${t.numPartitions})`).join(', ')}`);
  }
  for (;;) {
    const { topics } = await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.topic) });
    if (topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) break;
    if (Date.now() > deadline) throw new Error('topics have no leader after 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
} finally {
  await admin.disconnect();
}
