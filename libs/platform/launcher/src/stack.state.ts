import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AudioConceptsError } from '@audio-concepts/shared-errors';
import { makeDirectorySync } from '@audio-concepts/shared-files';
import type { StackEnv, StackService } from './stack.layout';

/** Where `stack` keeps its state and the services' logs: $AUDIO_CONCEPTS_STACK_DIR, else <root>/.stack. */
export function stackDir(root: string): string {
  return resolve(process.env.AUDIO_CONCEPTS_STACK_DIR ?? join(root, '.stack'));
}

/** A process of the stack: a service, or the supervisor. */
export interface StackProcess {
  pid: number;
  /** its entry script: a pid that no longer runs it is not this process any more */
  script: string;
}

/** What `stack up` started, for `stack status`, `stack down` and the pipeline benchmark (`.stack/state.json`). */
export interface StackState {
  version: 1;
  /** ISO time */
  startedAt: string;
  /** the stack's bearer token (ingest's, the decomposers' gRPC); also kept in `tokenFile` across `stack down` */
  token: string;
  brokers: string[];
  /** `local`: the broker of deploy/local/kafka.sh, which `stack down` stops; `external`: left alone */
  kafka: 'local' | 'external';
  /** what the services were given besides brokers and token, so that a service restarted alone gets the same */
  env?: Omit<StackEnv, 'brokers' | 'token'>;
  services: (StackService & { pid: number })[];
  /** the process that restarts services that die (`stack supervise`); absent when none was started */
  supervisor?: StackProcess & { logFile: string };
}

export const stateFile = (dir: string) => join(dir, 'state.json');

/** The environment every service of `state` was started with (`serviceEnv` makes each one's). */
export function stackEnvOf(state: StackState): StackEnv {
  return { ...state.env, brokers: state.brokers, token: state.token };
}

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
  writePrivate(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
}

export function removeState(dir: string): void {
  rmSync(stateFile(dir), { force: true });
}

/** The stack's token, kept across `stack down` (mode 0600) until `stack down --forget`. */
export const tokenFile = (dir: string) => join(dir, 'token');

export function readToken(dir: string): string | undefined {
  const file = tokenFile(dir);
  if (!existsSync(file)) return undefined;
  const token = readFileSync(file, 'utf8').trim();
  return token === '' ? undefined : token;
}

export function writeToken(dir: string, token: string): void {
  writePrivate(tokenFile(dir), `${token}\n`);
}

export function removeToken(dir: string): void {
  rmSync(tokenFile(dir), { force: true });
}

/** Creates `dir` readable by its owner only (it holds the token and the state), if it does not exist. */
export function makeStackDir(dir: string): void {
  makeDirectorySync(dir, 'stack directory', 0o700);
}

/** Written to a temporary file (mode 0600 from its creation) and renamed over `file`. */
function writePrivate(file: string, text: string): void {
  makeStackDir(join(file, '..'));
  const temporary = `${file}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}
