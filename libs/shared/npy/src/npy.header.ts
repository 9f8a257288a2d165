import { FormatError, InvalidInputError } from '@audio-concepts/shared-errors';
import { DTYPE_INFO, type NpyDtype, elementCount, formatShape } from './nd-array';
import { type PyLiteral, PyLiteralSyntaxError, formatPyLiteral, parsePyLiteral } from './python-literal.parser';

/**
 * The .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * `\x93NUMPY`, major and minor version bytes, the header length (uint16 LE in 1.0, uint32 LE in 2.0 and 3.0),
 * the header — a Python dict literal, latin-1 in 1.0/2.0 and UTF-8 in 3.0, padded with spaces and a final
 * `\n` so that the data starts on a 64-byte boundary — then the raw elements.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const MAGIC_LENGTH = MAGIC.length + 2;
const ARRAY_ALIGN = 64;
/** NumPy leaves room after the dict for the first dimension to grow to this many digits in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** Enough leading bytes to find the header length of any version. */
export const MAX_PREAMBLE_LENGTH = MAGIC_LENGTH + 4;

export interface NpyPreamble {
  major: number;
  minor: number;
  /** Where the header dict starts, and where the data starts. */
  headerOffset: number;
  dataOffset: number;
}

export interface NpyHeader extends NpyPreamble {
  dtype: NpyDtype;
  shape: number[];
  elementCount: number;
  /** Bytes of data the shape and dtype call for. */
  dataByteLength: number;
}

/** How a source is named in messages: its path, or `<bytes>` for an anonymous buffer. */
export function sourceLabel(source: string | undefined): string {
  return source ?? '<bytes>';
}

function formatError(source: string | undefined, problem: string): FormatError {
  return new FormatError(`${sourceLabel(source)}: ${problem}`, source);
}

function quoteBytes(bytes: Uint8Array): string {
  return JSON.stringify(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
}

/** Reads the magic string, version and header length from the first bytes of a .npy file. */
export function parseNpyPreamble(bytes: Uint8Array, source?: string): NpyPreamble {
  const magicOk = bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
  if (!magicOk) {
    const found = bytes.subarray(0, MAGIC.length);
    throw formatError(
      source,
      `not a .npy file (expected the magic string "\\x93NUMPY", found ${found.length ? quoteBytes(found) : 'an empty file'})`,
    );
  }
  if (bytes.length < MAGIC_LENGTH) {
    throw formatError(source, `truncated header: the file ends after ${bytes.length} bytes, inside the version`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (minor !== 0 || major < 1 || major > 3) {
    throw formatError(source, `unsupported .npy version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const lengthBytes = major === 1 ? 2 : 4;
  const headerOffset = MAGIC_LENGTH + lengthBytes;
  if (bytes.length < headerOffset) {
    throw formatError(source, `truncated header: the file ends after ${bytes.length} bytes, inside the header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(MAGIC_LENGTH, true) : view.getUint32(MAGIC_LENGTH, true);
  return { major, minor, headerOffset, dataOffset: headerOffset + headerLength };
}

/** Parses everything before the data. `bytes` must start at the beginning of the file and reach past the header. */
export function parseNpyHeader(bytes: Uint8Array, source?: string): NpyHeader {
  const preamble = parseNpyPreamble(bytes, source);
  if (bytes.length < preamble.dataOffset) {
    throw formatError(
      source,
      `truncated header: the header length says ${preamble.dataOffset - preamble.headerOffset} bytes, ` +
        `but only ${bytes.length - preamble.headerOffset} follow`,
    );
  }
  const text = decodeHeader(bytes.subarray(preamble.headerOffset, preamble.dataOffset), preamble.major, source);
  const fields = headerFields(text, source);
  const dtype = parseDescr(fields.descr, source);
  if (fields.fortran_order.kind !== 'bool') {
    throw formatError(
      source,
      `malformed header: fortran_order is ${formatPyLiteral(fields.fortran_order)}, not a bool`,
    );
  }
  if (fields.fortran_order.value) {
    throw formatError(
      source,
      'arrays in Fortran order (fortran_order: True) are not supported; save a C-ordered copy (np.ascontiguousarray)',
    );
  }
  const shape = parseShape(fields.shape, source);
  const count = elementCount(shape);
  const byteLength = count === undefined ? undefined : count * DTYPE_INFO[dtype].bytesPerElement;
  if (count === undefined || byteLength === undefined || !Number.isSafeInteger(byteLength)) {
    throw formatError(source, `shape ${formatShape(shape)} is too large`);
  }
  return { ...preamble, dtype, shape, elementCount: count, dataByteLength: byteLength };
}

/** Checks that the file holds exactly the bytes the header promises. */
export function checkDataLength(header: NpyHeader, actual: number, source?: string): void {
  const expected = header.dataByteLength;
  const what = `shape ${formatShape(header.shape)} of ${header.dtype}`;
  if (actual < expected) {
    throw formatError(source, `truncated data: ${what} needs ${expected} bytes, the file has ${actual}`);
  }
  if (actual > expected) {
    throw formatError(
      source,
      `data size does not match the shape: ${what} needs ${expected} bytes, the file has ${actual}`,
    );
  }
}

function decodeHeader(bytes: Uint8Array, major: number, source: string | undefined): string {
  if (major < 3) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw formatError(source, 'malformed header: not valid UTF-8');
  }
}

interface HeaderFields {
  descr: PyLiteral;
  fortran_order: PyLiteral;
  shape: PyLiteral;
}

const HEADER_KEYS = ['descr', 'fortran_order', 'shape'] as const;

function headerFields(text: string, source: string | undefined): HeaderFields {
  const snippet = JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text.trimEnd());
  let dict: PyLiteral;
  try {
    dict = parsePyLiteral(text);
  } catch (e) {
    if (!(e instanceof PyLiteralSyntaxError)) throw e;
    throw formatError(source, `malformed header (${e.message}): ${snippet}`);
  }
  if (dict.kind !== 'dict') {
    throw formatError(source, `malformed header: not a dict: ${snippet}`);
  }
  const fields = new Map<string, PyLiteral>();
  for (const [key, value] of dict.entries) {
    if (key.kind !== 'str' || fields.has(key.value)) {
      throw formatError(source, `malformed header: bad or repeated key ${formatPyLiteral(key)}: ${snippet}`);
    }
    fields.set(key.value, value);
  }
  const keys = [...fields.keys()].sort();
  if (keys.length !== HEADER_KEYS.length || HEADER_KEYS.some((k, i) => keys[i] !== k)) {
    throw formatError(
      source,
      `malformed header: expected the keys 'descr', 'fortran_order', 'shape', found ${keys.map((k) => `'${k}'`).join(', ') || 'none'}`,
    );
  }
  return Object.fromEntries(fields) as unknown as HeaderFields;
}

const DESCR_TO_DTYPE: Record<string, NpyDtype> = {
  f4: 'float32',
  f8: 'float64',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  i2: 'int16',
};

/**
 * `<f4` and friends. `=`, `|` and no prefix mean native order, which we take to be little-endian (see
 * assertLittleEndianHost); byte order is irrelevant for one-byte types, so `|u1`, `<u1`, `>u1` are all uint8.
 */
function parseDescr(descr: PyLiteral, source: string | undefined): NpyDtype {
  if (descr.kind !== 'str') {
    throw formatError(source, `unsupported dtype ${formatPyLiteral(descr)} (structured dtypes are not supported)`);
  }
  const match = /^([<>|=]?)([a-zA-Z]\d*)$/.exec(descr.value);
  const dtype = match ? DESCR_TO_DTYPE[match[2]] : undefined;
  if (!match || dtype === undefined) {
    throw formatError(
      source,
      `unsupported dtype '${descr.value}' (supported: ${Object.values(DTYPE_INFO)
        .map((d) => `'${d.descr}'`)
        .join(', ')})`,
    );
  }
  if (match[1] === '>' && DTYPE_INFO[dtype].bytesPerElement > 1) {
    throw formatError(
      source,
      `big-endian dtype '${descr.value}' is not supported; re-save it little-endian (arr.astype('<${match[2]}'))`,
    );
  }
  return dtype;
}

function parseShape(shape: PyLiteral, source: string | undefined): number[] {
  if (shape.kind !== 'tuple') {
    throw formatError(source, `malformed header: shape is ${formatPyLiteral(shape)}, not a tuple`);
  }
  const shown = formatPyLiteral(shape);
  return shape.items.map((item) => {
    if (item.kind !== 'int') {
      throw formatError(source, `non-integer dimension ${formatPyLiteral(item)} in shape ${shown}`);
    }
    if (item.value < 0n) {
      throw formatError(source, `negative dimension ${item.value} in shape ${shown}`);
    }
    if (item.value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw formatError(source, `dimension ${item.value} in shape ${shown} is too large`);
    }
    return Number(item.value);
  });
}

/**
 * The bytes before the data, exactly as NumPy writes them: version 1.0 unless the header needs more than
 * 65535 bytes, then 2.0 (our headers are ASCII, so 3.0 is never needed).
 */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  let dict = `{'descr': '${DTYPE_INFO[dtype].descr}', 'fortran_order': False, 'shape': ${formatShape(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  for (const [major, lengthBytes, maxLength] of [
    [1, 2, 0xffff],
    [2, 4, 0xffffffff],
  ]) {
    const unpadded = dict.length + 1; // + '\n'
    const padding = ARRAY_ALIGN - ((MAGIC_LENGTH + lengthBytes + unpadded) % ARRAY_ALIGN);
    const headerLength = unpadded + padding;
    if (headerLength > maxLength) continue;
    const out = new Uint8Array(MAGIC_LENGTH + lengthBytes + headerLength);
    out.set(MAGIC);
    out[6] = major;
    out[7] = 0;
    const view = new DataView(out.buffer);
    if (lengthBytes === 2) view.setUint16(MAGIC_LENGTH, headerLength, true);
    else view.setUint32(MAGIC_LENGTH, headerLength, true);
    const headerOffset = MAGIC_LENGTH + lengthBytes;
    out.set(Buffer.from(dict + ' '.repeat(padding) + '\n', 'latin1'), headerOffset);
    return out;
  }
  throw new InvalidInputError(`shape ${formatShape(shape)} is too long to fit in a .npy header`);
}
