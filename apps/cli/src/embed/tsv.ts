/** A TSV field: backslash, tab, newline and carriage return written as \\, \t, \n and \r (file names may hold them). */
export function tsvField(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c);
}
