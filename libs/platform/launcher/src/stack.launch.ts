import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { launchService, type LaunchedService } from './service.launcher';
import { serviceEnv, type StackEnv, type StackService } from './stack.layout';

/**
 * Starts one service of the stack as a detached process (it outlives whoever started it), its output appended to
 * its log after a line that says why it starts (`stack up 2026-…`, `restart 2 by the supervisor 2026-…`).
 */
export function launchStackService(service: StackService, env: StackEnv, why: string): LaunchedService {
  mkdirSync(dirname(service.logFile), { recursive: true });
  appendFileSync(service.logFile, `----- ${why} ${new Date().toISOString()} -----\n`);
  return launchService({
    name: service.name,
    script: service.script,
    env: serviceEnv(service, env),
    logFile: service.logFile,
    readyUrl: service.readyUrl,
    detached: true,
    cpus: service.cpus,
  });
}
