/**
 * A tiny protobuf encoder for the one ONNX model this library needs: a single `Gemm` node computing
 * Y = A·Bᵀ. Writing the few bytes by hand avoids a dependency on `onnx`/`protobufjs` and a model file on disk.
 *
 * Protobuf wire format in brief: every field is a key `(fieldNumber << 3) | wireType` as a varint, followed by
 * the value; wire type 0 is a varint (ints, enums), wire type 2 is length-delimited (strings, bytes, nested
 * messages: a varint byte count, then the bytes). Repeated fields are simply written once per element.
 * Field numbers below are those of onnx/onnx.proto.
 */

/** `TensorProto.DataType` values for the element types we build models for. */
export const OnnxElemType = { FLOAT: 1, DOUBLE: 11 } as const;
export type OnnxElemType = (typeof OnnxElemType)[keyof typeof OnnxElemType];

/** `AttributeProto.AttributeType.INT`. */
const ATTRIBUTE_TYPE_INT = 2;

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

/** A tensor dimension: a fixed size, or a symbolic name bound when the model runs. */
export type Dim = number | string;

export interface GemmModelOptions {
  /** Element type of A, B and Y (default DOUBLE). */
  elemType?: OnnxElemType;
  /** Written to ModelProto.producer_name (default 'audio-concepts'). */
  producerName?: string;
}

/** Names of the model's inputs and output, as `InferenceSession.run` expects them. */
export const GEMM_ABT_INPUTS = { a: 'A', b: 'B' } as const;
export const GEMM_ABT_OUTPUT = 'Y';

/**
 * Encodes an ONNX ModelProto (ir_version 8, default-domain opset 13) with one `Gemm` node, transB = 1:
 * inputs A [m, k] and B [n, k], output Y [m, n] = A·Bᵀ, all dimensions symbolic.
 */
export function encodeGemmAbtModel(options: GemmModelOptions = {}): Uint8Array {
  const elemType = options.elemType ?? OnnxElemType.DOUBLE;
  const { a, b } = GEMM_ABT_INPUTS;
  const y = GEMM_ABT_OUTPUT;

  const node = concat(
    stringField(1, a), // NodeProto.input
    stringField(1, b),
    stringField(2, y), // NodeProto.output
    stringField(3, 'abt'), // NodeProto.name
    stringField(4, 'Gemm'), // NodeProto.op_type
    messageField(5, intAttribute('transB', 1)), // NodeProto.attribute
  );
  const graph = concat(
    messageField(1, node), // GraphProto.node
    stringField(2, 'gemm_abt'), // GraphProto.name
    messageField(11, tensorValueInfo(a, elemType, ['m', 'k'])), // GraphProto.input
    messageField(11, tensorValueInfo(b, elemType, ['n', 'k'])),
    messageField(12, tensorValueInfo(y, elemType, ['m', 'n'])), // GraphProto.output
  );
  const opset = concat(
    stringField(1, ''), // OperatorSetIdProto.domain: '' is the default ai.onnx domain
    varintField(2, 13), // OperatorSetIdProto.version
  );
  return concat(
    varintField(1, 8), // ModelProto.ir_version
    stringField(2, options.producerName ?? 'audio-concepts'), // ModelProto.producer_name
    messageField(7, graph), // ModelProto.graph
    messageField(8, opset), // ModelProto.opset_import
  );
}

/** AttributeProto { name, i, type = INT }. */
function intAttribute(name: string, value: number): Uint8Array {
  return concat(stringField(1, name), varintField(3, value), varintField(20, ATTRIBUTE_TYPE_INT));
}

/** ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type, shape: { dim* } } } }. */
function tensorValueInfo(name: string, elemType: OnnxElemType, dims: readonly Dim[]): Uint8Array {
  const shape = concat(
    ...dims.map((d) =>
      messageField(
        1, // TensorShapeProto.dim
        typeof d === 'number' ? varintField(1, d) : stringField(2, d), // Dimension.dim_value | dim_param
      ),
    ),
  );
  const tensorType = concat(varintField(1, elemType), messageField(2, shape)); // TypeProto.Tensor
  const type = messageField(1, tensorType); // TypeProto.tensor_type
  return concat(stringField(1, name), messageField(2, type)); // ValueInfoProto.name, .type
}

// ---- wire format -------------------------------------------------------------------------------------------

/** Base-128 varint of a non-negative safe integer (low 7 bits first, high bit = "more bytes follow"). */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`varint must be a non-negative safe integer, got ${value}`);
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Uint8Array.from(bytes);
}

function key(field: number, wireType: number): Uint8Array {
  return encodeVarint(field * 8 + wireType);
}

function varintField(field: number, value: number): Uint8Array {
  return concat(key(field, WIRE_VARINT), encodeVarint(value));
}

function messageField(field: number, body: Uint8Array): Uint8Array {
  return concat(key(field, WIRE_LENGTH_DELIMITED), encodeVarint(body.length), body);
}

function stringField(field: number, value: string): Uint8Array {
  return messageField(field, new TextEncoder().encode(value));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
