import { readFileSync } from 'node:fs';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { tokenWeakness } from './token.strength';

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

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

  /**
   * A secret: `name`, or the contents of the file `<name>_FILE` (trimmed; for secrets mounted as files, e.g. Docker
   * or Kubernetes secrets). Both set is a problem.
   */
  secret(name: string): string | undefined {
    const value = this.string(name);
    const file = this.string(`${name}_FILE`);
    if (file === undefined) return value;
    if (value !== undefined) {
      this.problems.push(`${name} and ${name}_FILE are both set; set one`);
      return value;
    }
    const contents = this.readFile(`${name}_FILE`, file)?.toString('utf8').trim();
    if (contents === '') this.problems.push(`${name}_FILE=${JSON.stringify(file)} is empty`);
    return contents || undefined;
  }

  /** A bearer token (a `secret`) of at least 32 random bytes (`tokenWeakness`); undefined when not set. */
  token(name: string): string | undefined {
    const token = this.secret(name);
    const weakness = token === undefined ? undefined : tokenWeakness(token);
    if (weakness !== undefined) this.problems.push(`${name} is too weak: ${weakness}`);
    return token;
  }

  /**
   * Two files that go together, such as a certificate and its key: both set or neither. Their contents, or
   * undefined when neither is set (or one cannot be read: a problem naming it).
   */
  filePair(first: string, second: string): [Buffer, Buffer] | undefined {
    const [a, b] = [this.string(first), this.string(second)];
    if (a === undefined && b === undefined) return undefined;
    if (a === undefined || b === undefined) {
      const [set, unset] = a === undefined ? [second, first] : [first, second];
      this.problems.push(`${set} is set but ${unset} is not (both, or neither)`);
      return undefined;
    }
    const [contentsA, contentsB] = [this.readFile(first, a), this.readFile(second, b)];
    return contentsA && contentsB ? [contentsA, contentsB] : undefined;
  }

  /** Records a problem found outside this reader (e.g. by another library's check of the same environment). */
  report(problem: string): void {
    this.problems.push(problem);
  }

  /** Throws a `ConfigError` listing every problem found so far. */
  check(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  /** The file `path` (named by variable `name`), or undefined and a problem when it cannot be read. */
  private readFile(name: string, path: string): Buffer | undefined {
    try {
      return readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      this.problems.push(
        `${name}=${JSON.stringify(path)} cannot be read: ${FILE_ERRORS[code] ?? (error as Error).message}`,
      );
      return undefined;
    }
  }
}

export class ConfigError extends InvalidInputError {
  constructor(readonly problems: string[]) {
    super(`bad configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}
