import { InvalidInputError } from '@audio-concepts/shared-errors';

/**
 * Reads a service's configuration from environment variables once, collecting every problem, so that a bad
 * deployment fails at start with one error that lists all bad variables (STYLE §2):
 *
 *   const env = new EnvReader(process.env);
 *   const config = { port: env.int('PORT', 8080, { min: 1, max: 65535 }), brokers: env.list('KAFKA_BROKERS', ['127.0.0.1:9092']) };
 *   env.check(); // throws ConfigError naming each bad variable
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  string(name: string, fallback: string): string;
  string(name: string, fallback?: undefined): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? fallback : value;
  }

  required(name: string, what: string): string {
    const value = this.string(name);
    if (value === undefined) {
      this.problems.push(`${name} is not set (${what})`);
      return '';
    }
    return value;
  }

  number(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const text = this.string(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    const { min = -Infinity, max = Infinity } = range;
    if (!Number.isFinite(value) || value < min || value > max) {
      this.problems.push(`${name}=${JSON.stringify(text)} is not a number in [${min}, ${max}]`);
      return fallback;
    }
    return value;
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const value = this.number(name, fallback, range);
    if (!Number.isInteger(value)) {
      this.problems.push(`${name}=${JSON.stringify(this.string(name))} is not an integer`);
      return fallback;
    }
    return value;
  }

  list(name: string, fallback: string[]): string[] {
    const text = this.string(name);
    if (text === undefined) return fallback;
    const items = text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    if (items.length === 0) this.problems.push(`${name} is an empty list`);
    return items.length === 0 ? fallback : items;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const text = this.string(name);
    if (text === undefined) return fallback;
    if (!(choices as readonly string[]).includes(text)) {
      this.problems.push(`${name}=${JSON.stringify(text)} is not one of ${choices.join(', ')}`);
      return fallback;
    }
    return text as T;
  }

  /** Throws a `ConfigError` listing every problem found so far. */
  check(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

export class ConfigError extends InvalidInputError {
  constructor(readonly problems: string[]) {
    super(`bad configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}
