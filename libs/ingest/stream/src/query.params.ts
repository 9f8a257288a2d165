import { InvalidInputError } from '@audio-concepts/shared-errors';
import { MAX_FEED_POSITION, type StreamPosition } from './stream.registry';

export interface IntRange {
  min: number;
  max: number;
}

/**
 * Reads query parameters, collecting every problem so that one `InvalidInputError` lists them all
 * (`check()`). A parameter given twice is a problem too.
 */
export class QueryReader {
  private readonly problems: string[] = [];

  constructor(private readonly params: URLSearchParams) {}

  string(name: string): string | undefined {
    const values = this.params.getAll(name);
    if (values.length > 1) this.problems.push(`${name} is given ${values.length} times`);
    return values[0];
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const text = this.string(name);
    if (text === undefined) return fallback;
    if ((choices as readonly string[]).includes(text)) return text as T;
    this.problems.push(`${name}=${JSON.stringify(text)} is not one of ${choices.join(', ')}`);
    return fallback;
  }

  /** A required integer in [min, max] (`fallback` is returned when it is missing or bad, with a problem noted). */
  int(name: string, range: IntRange, fallback: number): number {
    const value = this.optionalInt(name, range);
    if (value === undefined && this.params.get(name) === null) {
      this.problems.push(`${name} is required (an integer in [${range.min}, ${range.max}])`);
    }
    return value ?? fallback;
  }

  /** An integer in [min, max], or undefined when it is not given (or bad, with a problem noted). */
  optionalInt(name: string, range: IntRange): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
      this.problems.push(`${name}=${JSON.stringify(text)} is not an integer in [${range.min}, ${range.max}]`);
      return undefined;
    }
    return value;
  }

  check(): void {
    if (this.problems.length > 0) throw new InvalidInputError(`bad query parameters: ${this.problems.join('; ')}`);
  }
}

/**
 * `?seq_start=N` and `?start_ms=T`: where a feed goes on when the client wants other numbers than the stream's
 * own. Both optional, both at most MAX_FEED_POSITION.
 */
export function readFeedPosition(query: QueryReader): Partial<StreamPosition> {
  const max = MAX_FEED_POSITION;
  return {
    nextSeq: query.optionalInt('seq_start', { min: 0, max }),
    nextStartMs: query.optionalInt('start_ms', { min: 0, max }),
  };
}
