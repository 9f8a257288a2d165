import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteLimit } from './byte.limit';
import { PayloadTooLargeError } from './ingest.errors';

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('ByteLimit', () => {
  it('passes up to limitBytes through and counts them', async () => {
    const sut = new ByteLimit(10);
    Readable.from([Buffer.from('abcd'), Buffer.from('efghij')]).pipe(sut);
    expect((await drain(sut)).toString()).toBe('abcdefghij');
    expect([sut.bytes, sut.error]).toEqual([10, undefined]);
  });

  it('ends its output at the limit and records a PayloadTooLargeError, without an error event', async () => {
    const sut = new ByteLimit(5);
    let stopped: unknown;
    sut.on('stopped', (error) => (stopped = error));
    Readable.from([Buffer.from('abc'), Buffer.from('defg'), Buffer.from('hij')]).pipe(sut);
    expect((await drain(sut)).toString()).toBe('abc');
    expect(sut.error).toBeInstanceOf(PayloadTooLargeError);
    expect(sut.error?.message).toBe('the upload is larger than the limit of 5 bytes (got 7 bytes or more)');
    expect(stopped).toBe(sut.error);
  });

  it('can be stopped from outside (the client went away)', async () => {
    const sut = new ByteLimit(100);
    sut.write(Buffer.from('abc'));
    sut.stop(new Error('aborted'));
    sut.write(Buffer.from('more'));
    expect((await drain(sut)).toString()).toBe('abc');
    expect(sut.error?.message).toBe('aborted');
  });
});
