import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GEMM_ABT_INPUTS, GEMM_ABT_OUTPUT, OnnxElemType, encodeGemmAbtModel } from './gemm-abt.model';

/** A protobuf field as read back by `decode`: varints as numbers, length-delimited values as raw bytes. */
type Field = { field: number; value: number | Uint8Array };

/** Minimal protobuf reader (varint and length-delimited wire types only), independent of the encoder. */
function decode(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[at++];
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
  };
  while (at < bytes.length) {
    const k = varint();
    const wireType = k & 7;
    if (wireType === 0) fields.push({ field: k >>> 3, value: varint() });
    else if (wireType === 2) {
      const len = varint();
      fields.push({ field: k >>> 3, value: bytes.subarray(at, at + len) });
      at += len;
    } else throw new Error(`unexpected wire type ${wireType}`);
  }
  return fields;
}

const all = (fs: Field[], field: number): (number | Uint8Array)[] =>
  fs.filter((f) => f.field === field).map((f) => f.value);
const one = (fs: Field[], field: number): number | Uint8Array => {
  const values = all(fs, field);
  expect(values).toHaveLength(1);
  return values[0];
};
const msg = (v: number | Uint8Array): Field[] => decode(v as Uint8Array);
const str = (v: number | Uint8Array): string => new TextDecoder().decode(v as Uint8Array);

/** [name, elem_type, dims] of a ValueInfoProto; dims as numbers (dim_value) or strings (dim_param). */
function valueInfo(bytes: number | Uint8Array): [string, number, (number | string)[]] {
  const vi = msg(bytes);
  const tensorType = msg(one(msg(one(vi, 2)), 1));
  const dims = all(msg(one(tensorType, 2)), 1).map((d) => {
    const dim = msg(d)[0];
    return dim.field === 1 ? (dim.value as number) : str(dim.value);
  });
  return [str(one(vi, 1)), one(tensorType, 1) as number, dims];
}

describe('encodeGemmAbtModel', () => {
  it('encodes a ModelProto with one Gemm node (transB = 1), opset 13, ir_version 8', () => {
    const model = decode(encodeGemmAbtModel());
    expect(one(model, 1)).toBe(8);
    expect(str(one(model, 2))).toBe('audio-concepts');
    const opset = msg(one(model, 8));
    expect(str(one(opset, 1))).toBe('');
    expect(one(opset, 2)).toBe(13);

    const graph = msg(one(model, 7));
    const node = msg(one(graph, 1));
    expect(all(node, 1).map(str)).toEqual(['A', 'B']);
    expect(all(node, 2).map(str)).toEqual(['Y']);
    expect(str(one(node, 4))).toBe('Gemm');
    const attribute = msg(one(node, 5));
    expect(str(one(attribute, 1))).toBe('transB');
    expect(one(attribute, 3)).toBe(1);
    expect(one(attribute, 20)).toBe(2);

    expect(all(graph, 11).map(valueInfo)).toEqual([
      ['A', OnnxElemType.DOUBLE, ['m', 'k']],
      ['B', OnnxElemType.DOUBLE, ['n', 'k']],
    ]);
    expect(all(graph, 12).map(valueInfo)).toEqual([['Y', OnnxElemType.DOUBLE, ['m', 'n']]]);
  });

  it('writes the requested element type and producer name', () => {
    const model = decode(encodeGemmAbtModel({ elemType: OnnxElemType.FLOAT, producerName: 'test' }));
    expect(str(one(model, 2))).toBe('test');
    const graph = msg(one(model, 7));
    expect([...all(graph, 11), ...all(graph, 12)].map((v) => valueInfo(v)[1])).toEqual([1, 1, 1]);
  });

  it.each([
    ['float64', OnnxElemType.DOUBLE, Float64Array],
    ['float32', OnnxElemType.FLOAT, Float32Array],
  ] as const)('loads in onnxruntime and computes A·Bᵀ in %s', async (type, elemType, Arr) => {
    const session = await ort.InferenceSession.create(encodeGemmAbtModel({ elemType }), { intraOpNumThreads: 1 });
    try {
      expect(session.inputNames).toEqual([GEMM_ABT_INPUTS.a, GEMM_ABT_INPUTS.b]);
      expect(session.outputNames).toEqual([GEMM_ABT_OUTPUT]);
      // A = [[1, 2, 3], [4, 5, 6]], B = [[1, 0, -1]] → A·Bᵀ = [[-2], [-2]]
      const out = await session.run({
        A: new ort.Tensor(type, Arr.from([1, 2, 3, 4, 5, 6]), [2, 3]),
        B: new ort.Tensor(type, Arr.from([1, 0, -1]), [1, 3]),
      });
      expect(out.Y.dims).toEqual([2, 1]);
      expect(out.Y.type).toBe(type);
      expect([...(out.Y.data as Float64Array | Float32Array)]).toEqual([-2, -2]);
    } finally {
      await session.release();
    }
  });

  const hasPythonOnnx = spawnSync('python3', ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasPythonOnnx)('passes onnx.checker (when python3 has the onnx package)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-gemm-'));
    try {
      const path = join(dir, 'gemm.onnx');
      writeFileSync(path, encodeGemmAbtModel());
      const script =
        'import onnx, sys\n' +
        'm = onnx.load(sys.argv[1])\n' +
        'onnx.checker.check_model(m, full_check=True)\n' +
        'print(m.graph.node[0].op_type, m.opset_import[0].version)\n';
      const r = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('Gemm 13');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
