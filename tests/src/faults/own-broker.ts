import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '@audio-concepts/platform-retry';
import { freePort, REPO_ROOT } from '../harness';

const KAFKA_SH = join(REPO_ROOT, 'deploy', 'local', 'kafka.sh');

/**
 * A Kafka broker of the fault suite's own (deploy/local/kafka.sh with a state directory and ports of its own, the
 * jars of the shared one): it can be killed and restarted without disturbing the other tests' broker.
 */
export class OwnBroker {
  private constructor(
    private readonly home: string,
    private readonly env: Record<string, string>,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OwnBroker> {
    const jars = join(REPO_ROOT, '.kafka', 'libs');
    if (!existsSync(join(jars, '.complete')))
      throw new Error(`the shared broker's jars are missing (${jars}): run deploy/local/kafka.sh fetch`);
    const home = mkdtempSync(join(tmpdir(), 'ac-fault-kafka-'));
    symlinkSync(jars, join(home, 'libs'));
    const [port, controller, sasl] = [await freePort(), await freePort(), await freePort()];
    const env = {
      KAFKA_HOME: home,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_SASL_PORT: String(sasl),
      KAFKA_HEAP: '384m',
    };
    const broker = new OwnBroker(home, env, port);
    broker.run('start');
    return broker;
  }

  /** A crash: SIGKILL, nothing flushed by the broker itself (the OS keeps what was written). */
  async kill9(): Promise<void> {
    const pid = Number(readFileSync(join(this.home, 'kafka.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }

  /** Starts it again on the same data and ports; resolves once it answers and the topics have leaders. */
  restart(): void {
    this.run('start');
  }

  stop(): void {
    this.run('stop');
    rmSync(this.home, { recursive: true, force: true });
  }

  private run(command: string): void {
    const r = spawnSync(KAFKA_SH, [command], { env: { ...process.env, ...this.env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`kafka.sh ${command} (own broker on ${this.port}) failed: ${r.stderr}`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
