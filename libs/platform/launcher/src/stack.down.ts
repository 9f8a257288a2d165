import type { Say } from './stack.errors';
import { localKafka } from './local-kafka';
import { withLock } from './stack.lock';
import { terminate } from './stack.processes';
import { readState, removeState, removeToken, stateFile, type StackState } from './stack.state';

export interface StackDownOptions {
  root: string;
  dir: string;
  /** seconds each service gets after SIGTERM before SIGKILL */
  graceS: number;
  keepKafka?: boolean;
  /** also forget the stack's token: the next `stack up` makes a new one */
  forget?: boolean;
  say: Say;
}

/**
 * `stack down`: stops the supervisor (so that it restarts nothing), then the services (SIGTERM, SIGKILL after
 * `graceS`), then the local broker unless `keepKafka`. The token stays for the next `stack up` unless `forget`.
 */
export async function stackDown(options: StackDownOptions): Promise<void> {
  const { root, dir, say } = options;
  const supervisor = readState(dir)?.supervisor;
  if (supervisor) {
    const how = await terminate(supervisor.pid, supervisor.script, 10_000);
    say(`supervisor (pid ${supervisor.pid}) ${how === 'gone' ? 'was not running' : how}`);
  }
  await withLock(dir, async () => {
    const state = readState(dir);
    if (!state) say(`not up (no ${stateFile(dir)})`);
    else await stopServices(state.services, options.graceS, say);
    if (!options.keepKafka && (state?.kafka ?? 'local') === 'local') localKafka(root, 'stop');
    removeState(dir);
    if (options.forget) {
      removeToken(dir);
      say('token forgotten: the next `stack up` makes a new one');
    }
  });
}

/** Ingest first (no new audio comes in), then the encoders and decomposers together. */
export async function stopServices(services: StackState['services'], graceS: number, say: Say): Promise<void> {
  const stop = async (s: StackState['services'][number]) => {
    const how = await terminate(s.pid, s.script, graceS * 1000);
    say(`${s.name} (pid ${s.pid}) ${how === 'gone' ? 'was not running' : how}`);
  };
  for (const s of services.filter((s) => s.kind === 'ingest')) await stop(s);
  await Promise.all(services.filter((s) => s.kind !== 'ingest').map(stop));
}
