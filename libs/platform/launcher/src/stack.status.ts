import { anyReachable, httpStatus, isServiceAlive } from './stack.processes';
import { readState, type StackState } from './stack.state';

export interface ServiceStatus {
  service: StackState['services'][number];
  alive: boolean;
  /** the /readyz status; undefined when the process is gone or nothing answers */
  ready?: number;
}

export interface StackStatus {
  /** undefined when the stack is not up */
  state?: StackState;
  brokers: string[];
  kafkaReachable: boolean;
  services: ServiceStatus[];
  /** the process that restarts services that die; undefined when none was started */
  supervisor?: { pid: number; alive: boolean; logFile: string };
  /** what is not ready, one phrase each: `encoder-1 (/readyz 503)`, `kafka (… does not answer)` */
  notReady: string[];
}

/** `stack status`: each service's process and /readyz, and whether Kafka answers (`brokers` when not up). */
export async function stackStatus(dir: string, brokersWhenNotUp: string[]): Promise<StackStatus> {
  const state = readState(dir);
  const brokers = state?.brokers ?? brokersWhenNotUp;
  const kafkaReachable = await anyReachable(brokers);
  const services = await Promise.all(
    (state?.services ?? []).map(async (service) => {
      const alive = isServiceAlive(service.pid, service.script);
      return { service, alive, ready: alive ? await httpStatus(service.readyUrl) : undefined };
    }),
  );
  const notReady = [
    ...services
      .filter((s) => s.ready !== 200)
      .map((s) => `${s.service.name} (${s.alive ? `/readyz ${s.ready ?? 'no answer'}` : 'not running'})`),
    ...(kafkaReachable ? [] : [`kafka (${brokers.join(',')} does not answer)`]),
  ];
  const watcher = state?.supervisor;
  const supervisor = watcher && {
    pid: watcher.pid,
    alive: isServiceAlive(watcher.pid, watcher.script),
    logFile: watcher.logFile,
  };
  return { state, brokers, kafkaReachable, services, supervisor, notReady };
}
