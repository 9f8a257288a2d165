/**
 * The few protobuf wire-format encoders an ONNX model needs. Every field is a key `(fieldNumber << 3) |
 * wireType` as a varint, then the value: wire type 0 is a varint (ints, enums), 2 is length-delimited
 * (strings, bytes, nested messages: a varint byte count, then the bytes), 5 is a little-endian 32-bit value
 * (floats). Repeated fields are written once per element (proto2's unpacked form, which onnx.proto uses).
 */
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Base-128 varint of a safe integer; negative values as 10-byte two's complement, as int64 fields need. */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new RangeError(`varint must be a safe integer, got ${value}`);
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, BigInt(value));
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Uint8Array.from(bytes);
}

function key(field: number, wireType: number): Uint8Array {
  return encodeVarint(field * 8 + wireType);
}

export function varintField(field: number, value: number): Uint8Array {
  return concat(key(field, WIRE_VARINT), encodeVarint(value));
}

export function floatField(field: number, value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return concat(key(field, WIRE_FIXED32), bytes);
}

export function bytesField(field: number, body: Uint8Array): Uint8Array {
  return concat(key(field, WIRE_LENGTH_DELIMITED), encodeVarint(body.length), body);
}

export function stringField(field: number, value: string): Uint8Array {
  return bytesField(field, new TextEncoder().encode(value));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
