import { createHash } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * A master key from the environment. The bytes are private to this module's consumers through
 * `bytes()`; printing, JSON-encoding or logging the object shows only its id, so a config or
 * context that ends up in a log line or an error never carries the key.
 */
export class MasterKey {
  readonly #bytes: Buffer;
  /** A fingerprint naming the key in rows, messages and logs (16 hex of a domain-separated SHA-256). */
  readonly id: string;

  constructor(bytes: Buffer) {
    if (bytes.length !== 32) throw new Error('a master key is 32 bytes');
    this.#bytes = Buffer.from(bytes);
    this.id = createHash('sha256').update('sharpline master key id\0').update(bytes).digest('hex').slice(0, 16);
  }

  /** The raw key, for the envelope code only. */
  bytes(): Buffer {
    return this.#bytes;
  }

  toJSON(): { masterKeyId: string } {
    return { masterKeyId: this.id };
  }

  toString(): string {
    return `MasterKey(${this.id})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Parses a master key written as base64 (44 characters, `openssl rand -base64 32`) or hex (64).
 * Returns undefined for anything else; the caller names the variable, never the value.
 */
export function parseMasterKey(text: string): MasterKey | undefined {
  const raw = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(raw)) return new MasterKey(Buffer.from(raw, 'hex'));
  if (/^[A-Za-z0-9+/]{43}=$/.test(raw) || /^[A-Za-z0-9_-]{43}$/.test(raw)) {
    const bytes = Buffer.from(raw, raw.includes('-') || raw.includes('_') ? 'base64url' : 'base64');
    return bytes.length === 32 ? new MasterKey(bytes) : undefined;
  }
  return undefined;
}
