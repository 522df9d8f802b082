import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKey } from './master-key.ts';

/**
 * Envelope encryption of one secret: the value is sealed with AES-256-GCM under a random data key
 * of its own, and the data key is sealed (wrapped) under the master key. Rotating the master key
 * re-wraps the data keys only; values are never re-encrypted, and a leaked data key exposes one
 * secret. Each seal binds its context as GCM additional data (the secret's name; for the wrap also
 * the master key id), so a row copied onto another name or key id fails to open.
 */
export interface SealedSecret {
  /** `v1.<iv>.<tag>.<ciphertext>`, base64 each: the value under the data key. */
  value: string;
  /** The same shape: the data key under the master key. */
  wrappedKey: string;
  /** Id of the master key that wrapped the data key. */
  masterKeyId: string;
}

const ALGORITHM = 'aes-256-gcm';

function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join('.');
}

/** Opens a seal; throws when the key, the additional data or any byte is wrong (GCM authentication). */
function open(key: Buffer, sealed: string, aad: string): Buffer {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== 'v1' || iv === undefined || tag === undefined || ciphertext === undefined) throw new Error('unknown envelope format');
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]);
}

const wrapAad = (name: string, masterKeyId: string) => `sharpline secret data key\0${name}\0${masterKeyId}`;
const valueAad = (name: string) => `sharpline secret value\0${name}`;

/** Seals `value` for the secret `name` under a fresh data key wrapped by `master`. */
export function sealSecret(name: string, value: Buffer, master: MasterKey): SealedSecret {
  const dataKey = randomBytes(32);
  try {
    return { value: seal(dataKey, value, valueAad(name)), wrappedKey: seal(master.bytes(), dataKey, wrapAad(name, master.id)), masterKeyId: master.id };
  } finally {
    dataKey.fill(0);
  }
}

/** The plaintext of a sealed secret; the caller zeroes it after use. Throws on any tampering. */
export function openSecret(name: string, sealed: SealedSecret, master: MasterKey): Buffer {
  const dataKey = open(master.bytes(), sealed.wrappedKey, wrapAad(name, master.id));
  try {
    return open(dataKey, sealed.value, valueAad(name));
  } finally {
    dataKey.fill(0);
  }
}

/** The data key of `sealed` re-wrapped under `to`; the value's ciphertext is unchanged. */
export function rewrapSecret(name: string, sealed: SealedSecret, from: MasterKey, to: MasterKey): SealedSecret {
  const dataKey = open(from.bytes(), sealed.wrappedKey, wrapAad(name, from.id));
  try {
    return { value: sealed.value, wrappedKey: seal(to.bytes(), dataKey, wrapAad(name, to.id)), masterKeyId: to.id };
  } finally {
    dataKey.fill(0);
  }
}
