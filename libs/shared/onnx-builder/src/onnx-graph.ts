import { bytesField, concat, floatField, stringField, varintField } from './protobuf.writer';

/** `TensorProto.DataType` values of the element types we build models with. */
export const OnnxElemType = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
export type OnnxElemType = (typeof OnnxElemType)[keyof typeof OnnxElemType];

/** A tensor dimension: a fixed size, or a symbolic name bound when the model runs. */
export type Dim = number | string;

/** Attribute values: numbers are INT when integral unless wrapped with `float()`, arrays likewise. */
export type AttributeValue = number | { float: number } | number[] | { floats: number[] } | string;

/** Marks a number (or numbers) as a FLOAT attribute even when integral. */
export const float = (value: number): { float: number } => ({ float: value });
export const floats = (values: number[]): { floats: number[] } => ({ floats: values });

const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

type Initializer = {
  name: string;
  elemType: OnnxElemType;
  dims: number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array;
};

/**
 * Builds an ONNX model (ir_version 8, default-domain opset 17) node by node, then encodes it as protobuf.
 * Names of intermediate values are generated; `op` returns the name of the node's (first) output.
 * Field numbers are those of onnx/onnx.proto.
 *
 *     const g = new OnnxGraph('doubler');
 *     const x = g.input('x', OnnxElemType.FLOAT, ['n']);
 *     g.output(g.op('Mul', [x, g.constant('two', [2], [])]), 'y', OnnxElemType.FLOAT, ['n']);
 *     const bytes = g.encode();
 */
export class OnnxGraph {
  private readonly nodes: Uint8Array[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly inputs: Uint8Array[] = [];
  private readonly outputs: Uint8Array[] = [];
  private counter = 0;

  constructor(
    readonly name: string,
    private readonly opset = 17,
  ) {}

  input(name: string, elemType: OnnxElemType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares `value` as a graph output named `name` (through an Identity node when the names differ). */
  output(value: string, name: string, elemType: OnnxElemType, dims: readonly Dim[]): void {
    if (value !== name) this.op('Identity', [value], {}, [name]);
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 constant (initializer); pass `dims` [] for a scalar. */
  constant(name: string, values: ArrayLike<number>, dims: readonly number[]): string {
    return this.initializer(name, OnnxElemType.FLOAT, dims, Float32Array.from(values));
  }

  /** A float64 constant, for graphs that compute in double precision. */
  float64(name: string, values: ArrayLike<number>, dims: readonly number[]): string {
    return this.initializer(name, OnnxElemType.DOUBLE, dims, Float64Array.from(values));
  }

  /** An int64 constant, e.g. the `starts`, `axes` or `shape` inputs of Slice and Reshape. */
  int64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.initializer(name, OnnxElemType.INT64, dims, BigInt64Array.from(values.map(BigInt)));
  }

  /** Adds a node; returns the name of its first output (generated unless given). */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    outputs?: readonly string[],
  ): string {
    const outs = outputs ?? [`${opType.toLowerCase()}_${this.counter++}`];
    this.nodes.push(
      concat(
        ...inputs.map((i) => stringField(1, i)), // NodeProto.input
        ...outs.map((o) => stringField(2, o)), // NodeProto.output
        stringField(3, `${opType}_${this.counter++}`), // NodeProto.name
        stringField(4, opType), // NodeProto.op_type
        ...Object.entries(attributes).map(([k, v]) => bytesField(5, attribute(k, v))), // NodeProto.attribute
      ),
    );
    return outs[0];
  }

  encode(producerName = 'audio-concepts'): Uint8Array {
    const graph = concat(
      ...this.nodes.map((n) => bytesField(1, n)), // GraphProto.node
      stringField(2, this.name), // GraphProto.name
      ...this.initializers.map((t) => bytesField(5, tensor(t))), // GraphProto.initializer
      ...this.inputs.map((i) => bytesField(11, i)), // GraphProto.input
      ...this.outputs.map((o) => bytesField(12, o)), // GraphProto.output
    );
    const opset = concat(stringField(1, ''), varintField(2, this.opset)); // OperatorSetIdProto: '' = ai.onnx
    return concat(
      varintField(1, 8), // ModelProto.ir_version
      stringField(2, producerName), // ModelProto.producer_name
      bytesField(7, graph), // ModelProto.graph
      bytesField(8, opset), // ModelProto.opset_import
    );
  }

  private initializer(
    name: string,
    elemType: OnnxElemType,
    dims: readonly number[],
    data: Initializer['data'],
  ): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw new RangeError(`constant ${name}: ${data.length} values do not fill shape [${dims.join(', ')}]`);
    this.initializers.push({ name, elemType, dims: [...dims], data });
    return name;
  }
}

/** TensorProto { dims*, data_type, name, raw_data } with little-endian raw data. */
function tensor(t: Initializer): Uint8Array {
  return concat(
    ...t.dims.map((d) => varintField(1, d)),
    varintField(2, t.elemType),
    stringField(8, t.name),
    bytesField(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  );
}

function attribute(name: string, value: AttributeValue): Uint8Array {
  const named = stringField(1, name);
  if (typeof value === 'string') return concat(named, stringField(4, value), varintField(20, ATTR.STRING));
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return concat(named, floatField(2, value), varintField(20, ATTR.FLOAT));
    return concat(named, varintField(3, value), varintField(20, ATTR.INT));
  }
  if (Array.isArray(value)) {
    if (!value.every(Number.isInteger))
      return concat(named, ...value.map((v) => floatField(7, v)), varintField(20, ATTR.FLOATS));
    return concat(named, ...value.map((v) => varintField(8, v)), varintField(20, ATTR.INTS));
  }
  if ('float' in value) return concat(named, floatField(2, value.float), varintField(20, ATTR.FLOAT));
  return concat(named, ...value.floats.map((v) => floatField(7, v)), varintField(20, ATTR.FLOATS));
}

/** ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type, shape: { dim* } } } }. */
function valueInfo(name: string, elemType: OnnxElemType, dims: readonly Dim[]): Uint8Array {
  const shape = concat(
    ...dims.map((d) => bytesField(1, typeof d === 'number' ? varintField(1, d) : stringField(2, d))), // dim_value | dim_param
  );
  const tensorType = concat(varintField(1, elemType), bytesField(2, shape));
  return concat(stringField(1, name), bytesField(2, bytesField(1, tensorType)));
}
