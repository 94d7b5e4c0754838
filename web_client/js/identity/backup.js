/**
 * Passphrase-protected export and import of the identity (a versioned JSON file).
 *
 *   {
 *     "format": "iltapiiri-identity",  "version": 1,
 *     "kdf":    {"name": "PBKDF2-SHA256", "iterations": 600000, "salt": b64(16)},
 *     "cipher": {"name": "AES-256-GCM", "nonce": b64(12)},
 *     "public_key": b64(32),
 *     "ciphertext": b64(AES-GCM(key, nonce, JSON{seed, pseudonym, created_at, extra}, aad))
 *   }
 *
 * `extra` is the e2ee engine's device state (js/e2ee/state.js, its own format and version:
 * DH key, prekeys, 1:1 sessions, pins) or null; a file without it restores the identity only.
 *
 * aad = "iltapiiri/identity-backup/v1\n" + public_key + "\n" + iterations, so the readable header
 * cannot be swapped or its work factor lowered without the decryption failing.
 */

import {
  aesGcmDecrypt, aesGcmEncrypt, b64decode, b64encode, ed25519PublicFromSeed, fromUtf8,
  constantTimeEqual, pbkdf2AesKey, randomBytes, utf8, GCM_NONCE_BYTES, KEY_BYTES,
} from '../crypto/primitives.js';
import { saveIdentityFromSeed, unwrapSeed } from './store.js';

export const BACKUP_FORMAT = 'iltapiiri-identity';
export const BACKUP_VERSION = 1;
export const PBKDF2_ITERATIONS = 600000; // OWASP 2023 figure for PBKDF2-HMAC-SHA256
export const MAX_PBKDF2_ITERATIONS = 10000000; // refuse files that would hang the page
export const SALT_BYTES = 16;
export const MIN_PASSPHRASE_CHARS = 10;
// The e2ee state makes files of tens of kilobytes (one-time prekeys, sessions); its export caps
// keep it far below this, and an export never writes a file this import would refuse.
export const MAX_BACKUP_CHARS = 4 * 1024 * 1024;

/** A refused import or export; `code` is stable and shown through the translations. */
export class BackupError extends Error {
  constructor(code) {
    super(code);
    this.name = 'BackupError';
    this.code = code;
  }
}

function aadFor(publicKeyB64, iterations) {
  return utf8(`iltapiiri/identity-backup/v1\n${publicKeyB64}\n${iterations}`);
}

/**
 * The identity as a passphrase-protected JSON text, ready to download. `extra` (JSON) travels
 * inside the ciphertext: the e2ee port puts its device state there (DH key, prekeys) so a
 * restored device keeps its sessions' keys.
 */
export async function exportIdentity(identity, passphrase, { iterations = PBKDF2_ITERATIONS, extra = null } = {}) {
  if (typeof passphrase !== 'string' || passphrase.length < MIN_PASSPHRASE_CHARS) {
    throw new BackupError('passphrase_short');
  }
  const seed = await unwrapSeed(identity);
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(GCM_NONCE_BYTES);
  const publicKey = identity.publicKeyB64;
  const inner = utf8(JSON.stringify({
    seed: b64encode(seed), pseudonym: identity.pseudonym, created_at: identity.createdAt, extra,
  }));
  seed.fill(0);
  const key = await pbkdf2AesKey(passphrase, salt, iterations);
  const sealed = await aesGcmEncrypt(key, nonce, inner, aadFor(publicKey, iterations));
  inner.fill(0);
  const text = JSON.stringify({
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    kdf: { name: 'PBKDF2-SHA256', iterations, salt: b64encode(salt) },
    cipher: { name: 'AES-256-GCM', nonce: b64encode(nonce) },
    public_key: publicKey,
    ciphertext: b64encode(sealed),
  }, null, 2);
  if (text.length > MAX_BACKUP_CHARS) throw new BackupError('too_large');
  return text;
}

/** Parse and check the readable part of a backup file; throws BackupError('bad_file'). */
export function parseBackup(text) {
  if (typeof text !== 'string' || text.length > MAX_BACKUP_CHARS) throw new BackupError('bad_file');
  let doc;
  try {
    doc = JSON.parse(text);
    const { kdf, cipher } = doc;
    if (doc.format !== BACKUP_FORMAT) throw new Error();
    if (doc.version !== BACKUP_VERSION) throw new BackupError('unsupported_version');
    if (kdf.name !== 'PBKDF2-SHA256' || cipher.name !== 'AES-256-GCM') throw new Error();
    if (!Number.isInteger(kdf.iterations) || kdf.iterations < PBKDF2_ITERATIONS
        || kdf.iterations > MAX_PBKDF2_ITERATIONS) throw new Error();
    const salt = b64decode(kdf.salt);
    const nonce = b64decode(cipher.nonce);
    const publicKey = b64decode(doc.public_key);
    const sealed = b64decode(doc.ciphertext);
    if (salt.length !== SALT_BYTES || nonce.length !== GCM_NONCE_BYTES
        || publicKey.length !== KEY_BYTES) throw new Error();
    return { iterations: kdf.iterations, salt, nonce, publicKey, publicKeyB64: doc.public_key, sealed };
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError('bad_file');
  }
}

/** Restore an identity from a backup text; replaces the one on this device.
 * Resolves the Identity; its `restoredExtra` holds what exportIdentity's `extra` carried. */
export async function importIdentity(text, passphrase) {
  const b = parseBackup(text);
  const key = await pbkdf2AesKey(passphrase, b.salt, b.iterations);
  let inner;
  try {
    inner = JSON.parse(fromUtf8(await aesGcmDecrypt(key, b.nonce, b.sealed,
      aadFor(b.publicKeyB64, b.iterations))));
  } catch (err) {
    throw new BackupError('wrong_passphrase');
  }
  let seed;
  try {
    seed = b64decode(inner.seed);
  } catch (err) {
    throw new BackupError('bad_file');
  }
  try {
    if (seed.length !== KEY_BYTES) throw new BackupError('bad_file');
    if (!constantTimeEqual(await ed25519PublicFromSeed(seed), b.publicKey)) {
      throw new BackupError('bad_file');
    }
    const pseudonym = typeof inner.pseudonym === 'string' ? inner.pseudonym : null;
    const extra = inner.extra === undefined ? null : inner.extra;
    const origin = { kind: 'restored', at: new Date().toISOString(), keys: false };
    const identity = await saveIdentityFromSeed(seed, { pseudonym, createdAt: inner.created_at, origin });
    identity.restoredExtra = extra;
    return identity;
  } finally {
    seed.fill(0);
  }
}
