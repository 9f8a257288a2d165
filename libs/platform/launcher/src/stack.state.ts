import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AudioConceptsError } from '@audio-concepts/shared-errors';
import type { StackService } from './stack.layout';

/** Where `stack` keeps its state and the services' logs: $AUDIO_CONCEPTS_STACK_DIR, else <root>/.stack. */
export function stackDir(root: string): string {
  return resolve(process.env.AUDIO_CONCEPTS_STACK_DIR ?? join(root, '.stack'));
}

/** What `stack up` started, for `stack status`, `stack down` and the pipeline benchmark (`.stack/state.json`). */
export interface StackState {
  version: 1;
  /** ISO time */
  startedAt: string;
  /** ingest's bearer token */
  token: string;
  brokers: string[];
  /** `local`: the broker of deploy/local/kafka.sh, which `stack down` stops; `external`: left alone */
  kafka: 'local' | 'external';
  services: (StackService & { pid: number })[];
}

export const stateFile = (dir: string) => join(dir, 'state.json');

export function readState(dir: string): StackState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  let state: StackState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AudioConceptsError(`${file} is not valid JSON; delete it (and stop the services by hand)`, {
      cause: error,
    });
  }
  if (state.version !== 1 || !Array.isArray(state.services))
    throw new AudioConceptsError(`${file} is not a stack state of this version; delete it`);
  return state;
}

/** Written atomically, readable by its owner only (it holds the token). */
export function writeState(dir: string, state: StackState): void {
  mkdirSync(dir, { recursive: true });
  const file = stateFile(dir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function removeState(dir: string): void {
  rmSync(stateFile(dir), { force: true });
}
