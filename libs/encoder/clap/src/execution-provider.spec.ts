import type * as ort from 'onnxruntime-node';
import { describe, expect, it, vi } from 'vitest';
import { openSessions, type SessionDeps } from './execution-provider';
import { ExecutionProviderError } from './model.errors';

/** A fake onnxruntime: `cuda` says whether a CUDA session can be created; records every attempt. */
function fakeDeps(cuda: { library: boolean; works: boolean }): {
  deps: SessionDeps;
  attempts: string[][];
  released: string[];
} {
  const attempts: string[][] = [];
  const released: string[] = [];
  const deps: SessionDeps = {
    hasCudaProvider: () => cuda.library,
    create: vi.fn(async (path: string, options: ort.InferenceSession.SessionOptions) => {
      const eps = options.executionProviders as string[];
      attempts.push([path, ...eps]);
      if (eps.includes('cuda') && !cuda.works) throw new Error('CUDA failure 35: driver too old');
      return { release: async () => void released.push(path) } as unknown as ort.InferenceSession;
    }),
  };
  return { deps, attempts, released };
}

describe('openSessions', () => {
  it("'cpu' never tries CUDA", async () => {
    const { deps, attempts } = fakeDeps({ library: true, works: true });
    const { provider } = await openSessions(['a.onnx', 'b.onnx'], { device: 'cpu' }, deps);
    expect(provider).toBe('cpu');
    expect(attempts).toEqual([
      ['a.onnx', 'cpu'],
      ['b.onnx', 'cpu'],
    ]);
  });

  it("'auto' gets CUDA (with CPU for the rest) when the build has it and it works", async () => {
    const { deps, attempts } = fakeDeps({ library: true, works: true });
    const { provider, sessions } = await openSessions(
      ['a.onnx', 'b.onnx'],
      { device: 'auto', intraOpThreads: 2 },
      deps,
    );
    expect(provider).toBe('cuda');
    expect(sessions).toHaveLength(2);
    expect(attempts[0]).toEqual(['a.onnx', 'cuda', 'cpu']);
    expect(vi.mocked(deps.create).mock.calls[0][1].intraOpNumThreads).toBe(2);
  });

  it("'auto' falls back to CPU without trying when the build lacks the CUDA library", async () => {
    const { deps, attempts } = fakeDeps({ library: false, works: false });
    expect((await openSessions(['a.onnx'], { device: 'auto' }, deps)).provider).toBe('cpu');
    expect(attempts).toEqual([['a.onnx', 'cpu']]);
  });

  it("'auto' falls back to CPU when creating the CUDA session throws", async () => {
    const { deps, attempts } = fakeDeps({ library: true, works: false });
    expect((await openSessions(['a.onnx'], { device: 'auto' }, deps)).provider).toBe('cpu');
    expect(attempts).toEqual([
      ['a.onnx', 'cuda', 'cpu'],
      ['a.onnx', 'cpu'],
    ]);
  });

  it("'cuda' fails with a clear error when CUDA is missing or broken", async () => {
    const missing = openSessions(['a.onnx'], { device: 'cuda' }, fakeDeps({ library: false, works: false }).deps);
    await expect(missing).rejects.toThrow(ExecutionProviderError);
    await expect(missing).rejects.toThrow(/device 'cuda' was requested .* no CUDA execution provider library/);
    const broken = openSessions(['a.onnx'], { device: 'cuda' }, fakeDeps({ library: true, works: false }).deps);
    await expect(broken).rejects.toThrow('driver too old');
  });

  it('releases the sessions already open when a later one fails', async () => {
    const released: string[] = [];
    const deps: SessionDeps = {
      hasCudaProvider: () => false,
      create: async (path) => {
        if (path === 'b.onnx') throw new Error('protobuf parsing failed');
        return { release: async () => void released.push(path) } as unknown as ort.InferenceSession;
      },
    };
    await expect(openSessions(['a.onnx', 'b.onnx'], { device: 'cpu' }, deps)).rejects.toThrow(
      'onnxruntime could not load b.onnx: protobuf parsing failed',
    );
    expect(released).toEqual(['a.onnx']);
  });
});
