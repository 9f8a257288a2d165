import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AudioConceptsError } from '@audio-concepts/shared-errors';

/** The broker that deploy/local/kafka.sh runs (KAFKA_PORT, default 9092). */
export function localBroker(): string {
  return `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;
}

/**
 * Runs `deploy/local/kafka.sh start|stop`; its messages go to our stderr (stdout stays for the command's own
 * output). `start` starts or reuses the broker and creates the topics of deploy/local/topics.conf.
 */
export function localKafka(root: string, command: 'start' | 'stop'): void {
  const script = join(root, 'deploy', 'local', 'kafka.sh');
  const result = spawnSync(script, [command], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.error) throw new AudioConceptsError(`cannot run ${script}: ${result.error.message}`);
  if (result.status !== 0)
    throw new AudioConceptsError(
      `deploy/local/kafka.sh ${command} failed (exit ${result.status}); see the lines above`,
    );
}
