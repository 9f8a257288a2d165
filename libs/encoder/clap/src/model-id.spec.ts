import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_ID_LENGTH, computeModelId } from './model-id';

describe('computeModelId', () => {
  let root: string;
  const files = ['config.json', 'onnx/a.onnx'];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'model-id-'));
    await cp(join(__dirname, 'model-id.ts'), join(root, 'one', 'onnx', 'a.onnx'), { recursive: true });
    await writeFile(join(root, 'one', 'config.json'), '{"a": 1}');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('is 16 hex characters, the same for a copy of the directory and for any file order', async () => {
    await cp(join(root, 'one'), join(root, 'copy'), { recursive: true });
    const id = await computeModelId(join(root, 'one'), files);
    expect(id).toMatch(new RegExp(`^[0-9a-f]{${MODEL_ID_LENGTH}}$`));
    expect(await computeModelId(join(root, 'copy'), files)).toBe(id);
    expect(await computeModelId(join(root, 'copy'), [...files].reverse())).toBe(id);
  });

  it('changes when a file changes, and when the same bytes move to another name', async () => {
    await cp(join(root, 'one'), join(root, 'edited'), { recursive: true });
    const before = await computeModelId(join(root, 'edited'), files);
    await writeFile(join(root, 'edited', 'config.json'), '{"a": 2}');
    expect(await computeModelId(join(root, 'edited'), files)).not.toBe(before);

    await cp(join(root, 'one', 'onnx', 'a.onnx'), join(root, 'one', 'onnx', 'b.onnx'));
    const renamed = await computeModelId(join(root, 'one'), ['config.json', 'onnx/b.onnx']);
    expect(renamed).not.toBe(await computeModelId(join(root, 'one'), files));
  });
});
