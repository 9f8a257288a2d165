import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { boundText, describeError, isRetriable } from './stage.errors';

const protocolError = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError({ type, code: 10, retriable, message: `${type} happened` } as never);

// Issue 8, defect 2: every KafkaJSError counted as retriable, so a refused message was redone forever.
describe('isRetriable', () => {
  it('is false for what the broker refuses for good and for non-retriable client errors', () => {
    expect(isRetriable(protocolError('MESSAGE_TOO_LARGE', false))).toBe(false);
    expect(isRetriable(new KafkaJSNonRetriableError('Transaction state exception'))).toBe(false);
    expect(
      isRetriable(
        new KafkaJSNumberOfRetriesExceeded(protocolError('MESSAGE_TOO_LARGE', false), { retryCount: 5, retryTime: 1 }),
      ),
    ).toBe(false);
    expect(isRetriable(new InvalidInputError('bad window'))).toBe(false);
  });

  it('is true for a broker that went away, even once kafkajs stopped retrying', () => {
    const gone = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(isRetriable(gone)).toBe(true);
    expect(isRetriable(new KafkaJSNumberOfRetriesExceeded(gone, { retryCount: 8, retryTime: 30_000 }))).toBe(true);
    expect(isRetriable(protocolError('NOT_LEADER_FOR_PARTITION', true))).toBe(true);
    expect(isRetriable(new KafkaJSError('request timed out'))).toBe(true);
    expect(isRetriable(new AudioConceptsError('model busy', { retriable: true }))).toBe(true);
  });
});

describe('describeError', () => {
  it('bounds an error text that quotes megabytes of input', () => {
    const { message } = describeError(new InvalidInputError(`stream ${'x'.repeat(4_500_000)} is bad`));
    expect(message.length).toBeLessThan(1_100);
    expect(message).toMatch(/… \(\d+ characters in all\)$/);
    expect(boundText('short')).toBe('short');
  });
});
