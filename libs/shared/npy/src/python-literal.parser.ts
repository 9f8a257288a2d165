/**
 * A small parser for the subset of Python literal syntax that .npy headers use, e.g.
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`: dicts, tuples, lists, strings, integers
 * (with the `L` suffix Python 2 wrote), floats, True/False/None. It never evaluates anything.
 */
export type PyLiteral =
  | { kind: 'str'; value: string }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'tuple'; items: PyLiteral[] }
  | { kind: 'list'; items: PyLiteral[] }
  | { kind: 'dict'; entries: [PyLiteral, PyLiteral][] };

export class PyLiteralSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at offset ${position}`);
  }
}

/** Deep enough for any real header (a structured dtype nests a few levels); stops `((((…` exhausting the stack. */
const MAX_DEPTH = 32;

const ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
  '0': '\0',
};

export function parsePyLiteral(text: string): PyLiteral {
  let pos = 0;

  const fail = (message: string): never => {
    throw new PyLiteralSyntaxError(message, pos);
  };

  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };

  const expect = (ch: string): void => {
    skipSpace();
    if (text[pos] !== ch) fail(`expected '${ch}'`);
    pos++;
  };

  /** Parses `item (, item)* ,?` up to `close`; returns the items and whether a comma was seen. */
  const sequence = <T>(close: string, item: () => T): { items: T[]; sawComma: boolean } => {
    const items: T[] = [];
    let sawComma = false;
    for (;;) {
      skipSpace();
      if (text[pos] === close) {
        pos++;
        return { items, sawComma };
      }
      items.push(item());
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        sawComma = true;
      } else if (text[pos] !== close) {
        fail(`expected ',' or '${close}'`);
      }
    }
  };

  const string = (): PyLiteral => {
    const quote = text[pos++];
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      const ch = text[pos++];
      if (ch === '\n') fail('newline in string');
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = text[pos++];
      if (esc === undefined) break;
      out += ESCAPES[esc] ?? `\\${esc}`;
    }
    if (pos >= text.length) fail('unterminated string');
    pos++;
    return { kind: 'str', value: out };
  };

  const number = (): PyLiteral => {
    const match = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[lL]?/.exec(text.slice(pos));
    if (!match) return fail('expected a value');
    pos += match[0].length;
    const literal = match[0];
    if (/^[+-]?\d+[lL]?$/.test(literal)) {
      return { kind: 'int', value: BigInt(literal.replace(/[lL]$/, '')) };
    }
    if (/[lL]$/.test(literal)) fail('invalid number');
    return { kind: 'float', value: Number(literal) };
  };

  const value = (depth: number): PyLiteral => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    skipSpace();
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      const { items } = sequence('}', () => {
        const key = value(depth + 1);
        expect(':');
        return [key, value(depth + 1)] as [PyLiteral, PyLiteral];
      });
      return { kind: 'dict', entries: items };
    }
    if (ch === '(') {
      pos++;
      const { items, sawComma } = sequence(')', () => value(depth + 1));
      // `(x)` is just a parenthesised x; only `()` and a comma make a tuple.
      if (items.length === 1 && !sawComma) return items[0];
      return { kind: 'tuple', items };
    }
    if (ch === '[') {
      pos++;
      return { kind: 'list', items: sequence(']', () => value(depth + 1)).items };
    }
    if (ch === "'" || ch === '"') return string();
    for (const [word, literal] of [
      ['True', { kind: 'bool', value: true }],
      ['False', { kind: 'bool', value: false }],
      ['None', { kind: 'none' }],
    ] as const) {
      if (text.startsWith(word, pos) && !/\w/.test(text[pos + word.length] ?? '')) {
        pos += word.length;
        return literal;
      }
    }
    return number();
  };

  const result = value(0);
  skipSpace();
  if (pos < text.length) fail('unexpected text after the value');
  return result;
}

/** Python's repr-ish rendering, for error messages. */
export function formatPyLiteral(lit: PyLiteral): string {
  switch (lit.kind) {
    case 'str':
      return `'${lit.value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    case 'int':
      return lit.value.toString();
    case 'float':
      return Number.isInteger(lit.value) ? lit.value.toFixed(1) : String(lit.value);
    case 'bool':
      return lit.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return lit.items.length === 1
        ? `(${formatPyLiteral(lit.items[0])},)`
        : `(${lit.items.map(formatPyLiteral).join(', ')})`;
    case 'list':
      return `[${lit.items.map(formatPyLiteral).join(', ')}]`;
    case 'dict':
      return `{${lit.entries.map(([k, v]) => `${formatPyLiteral(k)}: ${formatPyLiteral(v)}`).join(', ')}}`;
  }
}
