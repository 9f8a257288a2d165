import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError } from '@audio-concepts/shared-errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingModelFileError, ModelNotFoundError } from '../model.errors';
import { writeTinyClapModel } from '../testing';
import { clapModelFiles, readClapModelDir } from './model-files';

describe('readClapModelDir', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'model-files-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('lists the files of each dtype', () => {
    expect(clapModelFiles('fp32')).toEqual([
      'config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/audio_model.onnx',
      'onnx/text_model.onnx',
    ]);
    expect(clapModelFiles('quantized').slice(4)).toEqual([
      'onnx/audio_model_quantized.onnx',
      'onnx/text_model_quantized.onnx',
    ]);
    expect(clapModelFiles('q8')).toEqual(clapModelFiles('quantized'));
    expect(clapModelFiles('fp16').slice(4)).toEqual(['onnx/audio_model_fp16.onnx', 'onnx/text_model_fp16.onnx']);
    expect(clapModelFiles('q4f16').slice(4)).toEqual(['onnx/audio_model_q4f16.onnx', 'onnx/text_model_q4f16.onnx']);
  });

  it('parses a complete directory', async () => {
    const dir = join(root, 'ok');
    await writeTinyClapModel(dir);
    const layout = await readClapModelDir(dir, 'fp32');
    expect(layout.files).toEqual(clapModelFiles('fp32'));
    expect(layout.preprocessorConfig['sampling_rate']).toBe(48000);
    expect(layout.config['model_type']).toBe('clap');
  });

  it('names a missing directory, and a file given as the directory', async () => {
    const missing = join(root, 'absent');
    await expect(readClapModelDir(missing, 'fp32')).rejects.toThrow(ModelNotFoundError);
    await expect(readClapModelDir(missing, 'fp32')).rejects.toThrow(`model directory ${missing} does not exist`);
    await writeFile(join(root, 'file'), 'x');
    await expect(readClapModelDir(join(root, 'file'), 'fp32')).rejects.toThrow('is a file');
  });

  it('lists a missing tower with what is expected and what onnx/ holds', async () => {
    const dir = join(root, 'no-text');
    await writeTinyClapModel(dir);
    await unlink(join(dir, 'onnx/text_model.onnx'));
    const error = await readClapModelDir(dir, 'fp32').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingModelFileError);
    expect((error as MissingModelFileError).missing).toEqual(['onnx/text_model.onnx']);
    expect((error as MissingModelFileError).message).toBe(
      `model directory ${dir} lacks onnx/text_model.onnx (onnx/ holds audio_model.onnx; dtype 'fp32' selects ` +
        'onnx/audio_model.onnx and onnx/text_model.onnx); a CLAP model directory needs config.json, ' +
        'preprocessor_config.json, tokenizer.json, tokenizer_config.json, onnx/audio_model.onnx, onnx/text_model.onnx',
    );
    await expect(readClapModelDir(join(root, 'ok'), 'quantized')).rejects.toThrow(
      /lacks onnx\/audio_model_quantized\.onnx, onnx\/text_model_quantized\.onnx \(onnx\/ holds audio_model\.onnx, text_model\.onnx; dtype 'quantized'/,
    );
  });

  it('names a malformed JSON file', async () => {
    const dir = join(root, 'bad-json');
    await writeTinyClapModel(dir);
    await writeFile(join(dir, 'config.json'), '{"model_type": "clap",');
    const error = await readClapModelDir(dir, 'fp32').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).path).toBe(join(dir, 'config.json'));
    expect((error as FormatError).message).toMatch(new RegExp(`^${join(dir, 'config.json')} is not valid JSON: `));
    await writeFile(join(dir, 'config.json'), '[1, 2]');
    await expect(readClapModelDir(dir, 'fp32')).rejects.toThrow('config.json must hold a JSON object, found an array');
  });
});
