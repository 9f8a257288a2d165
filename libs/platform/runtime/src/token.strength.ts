/**
 * How strong a bearer token must be (INGEST_TOKEN, DECOMPOSER_TOKEN): the rule of libs/ingest/stream's
 * `tokenWeakness`, here so that every service can use it.
 */

/** The random bytes a bearer token must carry at least. */
export const MIN_TOKEN_BYTES = 32;

const HEX = /^[0-9a-fA-F]+$/;
/** RFC 6750's token68 characters: base64 and base64url, with `=` padding at the end. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
/** 64 hex digits and 43 base64 characters both hold 32 bytes. */
const MIN_HEX_CHARS = MIN_TOKEN_BYTES * 2;
const MIN_BASE64_CHARS = Math.ceil((MIN_TOKEN_BYTES * 8) / 6);
/** A random token of that length has far more; fewer betrays a placeholder ("change-me-change-me-…"). */
const MIN_DISTINCT_CHARS = 10;

const HOW = `at least ${MIN_TOKEN_BYTES} random bytes: ${MIN_BASE64_CHARS}+ base64/base64url characters (openssl rand -base64 ${MIN_TOKEN_BYTES}) or ${MIN_HEX_CHARS}+ hex digits (openssl rand -hex ${MIN_TOKEN_BYTES})`;

/**
 * Why `token` is too weak, or undefined when it is strong enough: it must hold at least 32 random bytes written as
 * hex (64+ digits) or base64/base64url (43+ characters, `=` padding not counted), and have at least 10 different
 * characters. Anything else could be guessed, or is a placeholder.
 */
export function tokenWeakness(token: string): string | undefined {
  if (!TOKEN68.test(token)) {
    return `it may hold only A-Z a-z 0-9 - . _ ~ + / and trailing = (a bearer token); it must be ${HOW}`;
  }
  const chars = token.replace(/=+$/, '');
  const needed = HEX.test(chars) ? MIN_HEX_CHARS : MIN_BASE64_CHARS;
  if (chars.length < needed) return `it has ${chars.length} characters; it must be ${HOW}`;
  const distinct = new Set(chars).size;
  if (distinct < MIN_DISTINCT_CHARS) {
    const counted = `${distinct} different character${distinct === 1 ? '' : 's'}`;
    return `it has only ${counted}, which is no random token; it must be ${HOW}`;
  }
  return undefined;
}
