import { errorMessage } from '@audio-concepts/shared-errors';
import type { Admin, Kafka } from 'kafkajs';

/** How often the broker is asked, and how long an answer may take. */
const PROBE_INTERVAL_MS = 2_000;
const PROBE_TIMEOUT_MS = 3_000;

/**
 * Whether Kafka answers now: every 2 s a metadata request for the topics ingest writes. kafkajs's producer does not
 * notice a dead broker until a send fails, so without this /readyz stayed 200 through an outage. A topic that does
 * not exist counts as a failure too (ingest does not create the windows topic).
 */
export class KafkaReachability {
  private readonly admin: Admin;
  private connected = false;
  private lastError: string | undefined = 'not probed yet';
  private timer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(
    kafka: Kafka,
    private readonly topics: readonly string[],
    private readonly intervalMs = PROBE_INTERVAL_MS,
  ) {
    // no retries: the next probe is the retry, and an outage must show within seconds
    this.admin = kafka.admin({ retry: { retries: 0 } });
  }

  start(): void {
    if (this.timer) return;
    void this.probe();
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.admin.disconnect().catch(() => undefined);
  }

  /** `true` when the last probe was answered, else why not. */
  readiness(): true | string {
    return this.lastError === undefined ? true : `Kafka does not answer: ${this.lastError}`;
  }

  /** Asks once (a probe still running is not doubled); never throws. */
  async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.ask(), timeout]);
      this.lastError = undefined;
    } catch (error) {
      this.lastError = errorMessage(error);
      // start over with a fresh connection next time
      this.connected = false;
      await this.admin.disconnect().catch(() => undefined);
    } finally {
      clearTimeout(timer);
      this.probing = false;
    }
  }

  private async ask(): Promise<void> {
    if (!this.connected) {
      await this.admin.connect();
      this.connected = true;
    }
    await this.admin.fetchTopicMetadata({ topics: [...this.topics] });
  }
}
