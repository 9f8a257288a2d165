import { InvalidInputError } from '@audio-concepts/shared-errors';

/** What a stream id may look like: it becomes a Kafka key and a path segment, so no spaces, slashes or control characters. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Returns `id` when it is a valid stream id, else throws an `InvalidInputError` quoting it. */
export function checkStreamId(id: string): string {
  if (!STREAM_ID_PATTERN.test(id)) {
    const shown =
      id.length > 140 ? `${JSON.stringify(id.slice(0, 140))}… (${id.length} characters)` : JSON.stringify(id);
    throw new InvalidInputError(
      `stream id ${shown} is not valid: expected 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'`,
    );
  }
  return id;
}
