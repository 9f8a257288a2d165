import { describe, expect, it } from 'vitest';
import { PyLiteralSyntaxError, formatPyLiteral, parsePyLiteral } from './python-literal.parser';

describe('parsePyLiteral', () => {
  it('parses the header dict NumPy writes', () => {
    const lit = parsePyLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }            \n");
    expect(lit).toEqual({
      kind: 'dict',
      entries: [
        [
          { kind: 'str', value: 'descr' },
          { kind: 'str', value: '<f4' },
        ],
        [
          { kind: 'str', value: 'fortran_order' },
          { kind: 'bool', value: false },
        ],
        [
          { kind: 'str', value: 'shape' },
          {
            kind: 'tuple',
            items: [
              { kind: 'int', value: 3n },
              { kind: 'int', value: 4n },
            ],
          },
        ],
      ],
    });
  });

  it('tells tuples from parenthesised values', () => {
    expect(formatPyLiteral(parsePyLiteral('()'))).toBe('()');
    expect(formatPyLiteral(parsePyLiteral('(3,)'))).toBe('(3,)');
    expect(formatPyLiteral(parsePyLiteral('(3)'))).toBe('3');
    expect(formatPyLiteral(parsePyLiteral('( 1 , 2 , )'))).toBe('(1, 2)');
  });

  it('reads Python 2 long integers, floats, None, lists, both quote styles and escapes', () => {
    expect(formatPyLiteral(parsePyLiteral('(2L, 3l)'))).toBe('(2, 3)');
    expect(parsePyLiteral('-12345678901234567890')).toEqual({ kind: 'int', value: -12345678901234567890n });
    expect(parsePyLiteral('2.5')).toEqual({ kind: 'float', value: 2.5 });
    expect(parsePyLiteral('1e3')).toEqual({ kind: 'float', value: 1000 });
    expect(parsePyLiteral('None')).toEqual({ kind: 'none' });
    expect(formatPyLiteral(parsePyLiteral("[('a', '<f4'), (\"b\", '|u1')]"))).toBe("[('a', '<f4'), ('b', '|u1')]");
    expect(parsePyLiteral("'it\\'s \\\\ \"x\"'")).toEqual({ kind: 'str', value: 'it\'s \\ "x"' });
  });

  it.each([
    ['', 'expected a value'],
    ["{'a': 1", "expected ',' or '}'"],
    ["{'a' 1}", "expected ':'"],
    ["'abc", 'unterminated string'],
    ['(1, 2) x', 'unexpected text'],
    ['(,)', 'expected a value'],
    ["__import__('os').system('true')", 'expected a value'],
    ['Truex', 'expected a value'],
    ['1.5L', 'invalid number'],
    ['('.repeat(100) + ')'.repeat(100), 'nested too deeply'],
  ])('rejects %j (%s)', (text, message) => {
    expect(() => parsePyLiteral(text)).toThrow(PyLiteralSyntaxError);
    expect(() => parsePyLiteral(text)).toThrow(message);
  });
});
