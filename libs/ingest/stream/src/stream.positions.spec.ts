import { describe, expect, it } from 'vitest';
import { parsePositionRecord, positionRecord } from './stream.positions';

describe('position records', () => {
  it('round-trip as JSON', () => {
    const record = positionRecord('radio-1', { nextSeq: 8, nextStartMs: 75_000 }, 'ingest-0', new Date(0));
    expect(record).toEqual({
      stream: 'radio-1',
      next_seq: 8,
      next_start_ms: 75_000,
      updated_at: '1970-01-01T00:00:00.000Z',
      instance: 'ingest-0',
    });
    expect(parsePositionRecord(Buffer.from(JSON.stringify(record)))).toEqual(record);
  });

  it('say why a value is no record', () => {
    expect(parsePositionRecord(Buffer.from('{'))).toMatch(/^not JSON/);
    expect(parsePositionRecord(Buffer.from('null'))).toBe('next_seq is not a non-negative integer');
    expect(parsePositionRecord(Buffer.from('{"next_seq": 1.5, "next_start_ms": 0}'))).toBe(
      'next_seq is not a non-negative integer',
    );
    expect(parsePositionRecord(Buffer.from('{"next_seq": 1, "next_start_ms": -1}'))).toBe(
      'next_start_ms is not a non-negative integer',
    );
  });
});
