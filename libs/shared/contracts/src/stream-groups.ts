import { InvalidInputError } from '@audio-concepts/shared-errors';

/** The group of streams that no rule names. */
export const DEFAULT_STREAM_GROUP = 'default';

/** Group names become Prometheus label values and Kafka keys: short and plain. */
export const STREAM_GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

interface GroupRule {
  glob: string;
  pattern: RegExp;
  group: string;
}

/**
 * Maps stream ids to a bounded set of stream groups (metrics and drift are per group, never per stream; the live
 * projection head is chosen per group).
 * Rules `glob=group` are tried in order; `*` matches any run of characters, `?` one; the first match wins;
 * a stream no rule matches is in `default`.
 */
export class StreamGroups {
  private readonly rules: GroupRule[];

  constructor(rules: readonly { glob: string; group: string }[] = []) {
    this.rules = rules.map(({ glob, group }) => ({ glob, group, pattern: globPattern(glob) }));
  }

  /**
   * Parses comma-separated `glob=group` pairs, e.g. `street-*=street,studio-*=studio` (the metrics service's
   * METRICS_GROUPS, the decomposer's STREAM_GROUPS); `setting` names the variable in errors.
   */
  static parse(text: string | undefined, setting = 'METRICS_GROUPS'): StreamGroups {
    const rules: { glob: string; group: string }[] = [];
    const problems: string[] = [];
    for (const part of (text ?? '').split(',').map((p) => p.trim())) {
      if (part === '') continue;
      const at = part.lastIndexOf('=');
      const glob = part.slice(0, at).trim();
      const group = part.slice(at + 1).trim();
      if (at <= 0 || glob === '') problems.push(`"${part}" is not glob=group`);
      else if (!STREAM_GROUP_NAME.test(group))
        problems.push(`group "${group}" (in "${part}") must be 1–64 letters, digits, '_', '.' or '-'`);
      else rules.push({ glob, group });
    }
    if (problems.length > 0) throw new InvalidInputError(`${setting}: ${problems.join('; ')}`);
    return new StreamGroups(rules);
  }

  groupOf(streamId: string): string {
    for (const rule of this.rules) if (rule.pattern.test(streamId)) return rule.group;
    return DEFAULT_STREAM_GROUP;
  }

  /** Every group a stream can land in, `default` last. */
  get groups(): string[] {
    return [...new Set([...this.rules.map((r) => r.group), DEFAULT_STREAM_GROUP])];
  }

  describe(): string {
    return this.rules.length === 0
      ? `every stream in "${DEFAULT_STREAM_GROUP}"`
      : [...this.rules.map((r) => `${r.glob} → ${r.group}`), `otherwise ${DEFAULT_STREAM_GROUP}`].join(', ');
  }
}

function globPattern(glob: string): RegExp {
  const body = [...glob]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()[\]{}|/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}
