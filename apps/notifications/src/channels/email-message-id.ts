/**
 * An idempotency key made safe for a Message-ID and a file name: characters
 * outside `[A-Za-z0-9_.-]` become `=XX` (`=` included), so distinct keys stay
 * distinct and the same key always gives the same result.
 */
export function encodeIdempotencyKey(key: string): string {
  return key.replace(
    /[^A-Za-z0-9_.-]/g,
    (char) =>
      `=${Array.from(Buffer.from(char, 'utf8'), (byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join('=')}`,
  );
}

/** The Message-ID a message sent with this idempotency key carries, so a repeat is recognisable. */
export function emailMessageId(idempotencyKey: string): string {
  return `<${encodeIdempotencyKey(idempotencyKey)}@switchboard>`;
}
