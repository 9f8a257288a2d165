import { errorMessage } from '@audio-concepts/shared-errors';

/** A named condition the service needs before it can do its work (Kafka connected, model loaded, …). */
export type ReadinessCheck = () => true | string;

/**
 * What `/readyz` reports: ready when every registered check passes. A check returns `true` or the reason it
 * is not ready. Liveness (`/healthz`) does not depend on it: a service waiting for Kafka is alive, not ready.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Reasons the service is not ready, empty when it is. */
  problems(): string[] {
    const problems: string[] = [];
    for (const [name, check] of this.checks) {
      let result: true | string;
      try {
        result = check();
      } catch (error) {
        result = errorMessage(error);
      }
      if (result !== true) problems.push(`${name}: ${result}`);
    }
    return problems;
  }
}
