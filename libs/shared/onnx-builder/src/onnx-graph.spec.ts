import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OnnxElemType, OnnxGraph, float } from './onnx-graph';
import { encodeVarint } from './protobuf.writer';

const F = OnnxElemType.FLOAT;

async function run(graph: OnnxGraph, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(graph.encode());
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('encodeVarint', () => {
  it('encodes small, multi-byte and negative (int64 two’s complement) values', () => {
    expect(Array.from(encodeVarint(1))).toEqual([1]);
    expect(Array.from(encodeVarint(300))).toEqual([0xac, 0x02]);
    expect(Array.from(encodeVarint(-1))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => encodeVarint(1.5)).toThrow('safe integer');
  });
});

describe('OnnxGraph', () => {
  it('builds a model onnxruntime runs: constants, int/float/ints attributes, int64 inputs, symbolic dims', async () => {
    const g = new OnnxGraph('probe');
    const x = g.input('x', F, ['n', 3]);
    const w = g.constant('w', [1, 0, 0, 1, 2, -1], [3, 2]); // x·w
    const y = g.op('MatMul', [x, w]);
    const leaky = g.op('LeakyRelu', [y], { alpha: float(0.5) });
    const mean = g.op('ReduceMean', [leaky], { axes: [1], keepdims: 0 });
    const sliced = g.op('Slice', [x, g.int64('starts', [1]), g.int64('ends', [-1]), g.int64('axes', [1])]);
    g.output(mean, 'mean', F, ['n']);
    g.output(sliced, 'middle', F, ['n', 1]);
    const out = await run(g, { x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, -4, 0, 1]), [2, 3]) });
    // rows: x·w = [1+6, 2-3] = [7, -1] → leaky [7, -0.5] → mean 3.25; [-4+2, 0-1] = [-2, -1] → [-1, -0.5] → -0.75
    expect(Array.from(out.mean.data as Float32Array)).toEqual([3.25, -0.75]);
    expect(Array.from(out.middle.data as Float32Array)).toEqual([2, 0]);
    expect(out.middle.dims).toEqual([2, 1]);
  });

  it('Conv with ints attributes and Gather with an int64 index input', async () => {
    const g = new OnnxGraph('conv');
    const x = g.input('x', F, [1, 1, 5]);
    const kernel = g.constant('k', [1, -2, 1], [1, 1, 3]);
    const conv = g.op('Conv', [x, kernel], { kernel_shape: [3], pads: [1, 1] });
    const ids = g.input('ids', OnnxElemType.INT64, [2]);
    const table = g.constant('table', [10, 11, 20, 21, 30, 31], [3, 2]);
    g.output(conv, 'y', F, [1, 1, 5]);
    g.output(g.op('Gather', [table, ids], { axis: 0 }), 'rows', F, [2, 2]);
    const out = await run(g, {
      x: new ort.Tensor('float32', Float32Array.from([0, 1, 4, 9, 16]), [1, 1, 5]),
      ids: new ort.Tensor('int64', BigInt64Array.from([2n, 0n]), [2]),
    });
    expect(Array.from(out.y.data as Float32Array)).toEqual([1, 2, 2, 2, -23]);
    expect(Array.from(out.rows.data as Float32Array)).toEqual([30, 31, 10, 11]);
  });

  it('rejects a constant whose values do not fill its shape', () => {
    expect(() => new OnnxGraph('bad').constant('c', [1, 2, 3], [2, 2])).toThrow(
      'constant c: 3 values do not fill shape [2, 2]',
    );
  });
});
