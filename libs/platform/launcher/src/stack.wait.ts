import { sleep } from '@audio-concepts/platform-retry';
import { StackError, type Say } from './stack.errors';
import type { StackService } from './stack.layout';
import { httpStatus, logTail } from './stack.processes';

/** How often `waitReady` polls each /readyz, and how often it says what it still waits for. */
const POLL_MS = 250;
const NOTE_EVERY_MS = 15_000;

export interface Waiting {
  service: StackService;
  running(): boolean;
  /** say when it is ready (the services `stack up` started); the others are waited for quietly */
  announce: boolean;
}

/** Polls every /readyz until 200, saying as each becomes ready; fails with the log of one that exits. */
export async function waitReady(waiting: Waiting[], timeoutS: number, say: Say): Promise<void> {
  const startedAt = Date.now();
  const deadline = startedAt + timeoutS * 1000;
  const pending = new Set(waiting);
  let lastNote = startedAt;
  while (pending.size > 0) {
    for (const item of [...pending]) {
      const { service } = item;
      if (!item.running()) throw failure(service, 'exited before it was ready');
      if ((await httpStatus(service.readyUrl)) === 200) {
        pending.delete(item);
        if (item.announce) say(`${service.name} ready (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
      }
    }
    if (pending.size === 0) break;
    const first = [...pending][0].service;
    if (Date.now() > deadline) throw failure(first, `was not ready at ${first.readyUrl} within ${timeoutS} s`);
    if (Date.now() - lastNote > NOTE_EVERY_MS) {
      lastNote = Date.now();
      say(`still waiting for ${[...pending].map((p) => p.service.name).join(', ')}`);
    }
    await sleep(POLL_MS);
  }
}

function failure(service: StackService, what: string): StackError {
  return new StackError(`${service.name} ${what}; its log: ${service.logFile}`, {
    file: service.logFile,
    tail: logTail(service.logFile, 15),
  });
}
