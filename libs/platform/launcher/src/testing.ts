/**
 * Helpers for running a stack beside anything else on one machine and broker (the stack spec, `npm run demo:scale`).
 * Exported as `@audio-concepts/platform-launcher/testing`.
 */
import { createServer } from 'node:net';

/** True when nothing listens on 127.0.0.1:port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A random base port with `count` free ports from it. */
export async function freePorts(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

/** The stage topics a stack's services read and write (TOPICS' windows, embeddings and concepts). */
export interface StageTopics {
  windows: string;
  embeddings: string;
  concepts: string;
}

/**
 * The environment that gives a stack topics and consumer groups of its own (`<prefix>.<topic>`, `<prefix>-<stage>`):
 * the services read their names from it, and `stack up` passes it on.
 */
export function isolatedStackEnv(prefix: string, topics: StageTopics): Record<string, string> {
  return {
    INGEST_WINDOWS_TOPIC: topics.windows,
    ENCODER_INPUT_TOPIC: topics.windows,
    ENCODER_OUTPUT_TOPIC: topics.embeddings,
    DECOMPOSER_INPUT_TOPIC: topics.embeddings,
    DECOMPOSER_OUTPUT_TOPIC: topics.concepts,
    METRICS_INPUT_TOPIC: topics.concepts,
    ENCODER_GROUP: `${prefix}-encoder`,
    DECOMPOSER_GROUP: `${prefix}-decomposer`,
    METRICS_GROUP: `${prefix}-metrics`,
  };
}
