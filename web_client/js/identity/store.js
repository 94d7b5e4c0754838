/**
 * This device's identity: an Ed25519 key pair kept in IndexedDB.
 *
 * The signing key used day to day is a non-extractable CryptoKey: no script can read its bytes
 * out of it. So that the person can still move to another device, the 32-byte seed is also kept
 * wrapped under a second non-extractable key (AES-256-GCM, "device wrap key") in the same
 * database, and is unwrapped only for a passphrase-protected export. See web_client/README.md,
 * "Where the identity key lives", for why this trade-off was chosen.
 */

import {
  aesGcmDecrypt, aesGcmEncrypt, ed25519ImportSeed, ed25519PublicFromSeed, ed25519Sign,
  GCM_NONCE_BYTES, KEY_BYTES, randomBytes, utf8, b64encode,
} from '../crypto/primitives.js';

const DB_NAME = 'iltapiiri';
const DB_VERSION = 1;
const STORE = 'device';
const IDENTITY_RECORD = 'identity';
const WRAP_KEY_RECORD = 'wrap-key';
const WRAP_AAD = utf8('iltapiiri/device-wrap/v1');
export const IDENTITY_RECORD_VERSION = 1;

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error('storage_unavailable'));
  });
}

async function withStore(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
      tx.onerror = () => reject(new Error('storage_failed'));
      tx.onabort = () => reject(new Error('storage_failed'));
    });
  } finally {
    db.close();
  }
}

const dbGet = (key) => withStore('readonly', (s) => s.get(key));
const dbPut = (key, value) => withStore('readwrite', (s) => s.put(value, key));
const dbDelete = (key) => withStore('readwrite', (s) => s.delete(key));

let wrapKeyCache = null; // the non-extractable CryptoKey itself; its bytes are never readable

async function deviceWrapKey() {
  if (wrapKeyCache) return wrapKeyCache;
  const existing = await dbGet(WRAP_KEY_RECORD);
  if (existing) {
    wrapKeyCache = existing;
    return existing;
  }
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false,
    ['encrypt', 'decrypt']);
  await dbPut(WRAP_KEY_RECORD, key);
  wrapKeyCache = key;
  return key;
}

const SECRET_AAD = utf8('iltapiiri/device-wrap/e2ee-key/v1');

/**
 * Seal a private key's raw bytes under the device wrap key: nonce (12) || AES-256-GCM. The e2ee
 * engine keeps this beside each non-extractable X25519 key (as the identity keeps its seed) so
 * that a passphrase-protected backup can carry the key; day-to-day code uses the CryptoKey only.
 */
export async function sealDeviceSecret(secret) {
  const nonce = randomBytes(GCM_NONCE_BYTES);
  const sealed = await aesGcmEncrypt(await deviceWrapKey(), nonce, secret, SECRET_AAD);
  const out = new Uint8Array(nonce.length + sealed.length);
  out.set(nonce);
  out.set(sealed, nonce.length);
  return out;
}

/** Inverse of sealDeviceSecret, for a backup only. Zero the result when done. */
export async function unsealDeviceSecret(sealed) {
  return aesGcmDecrypt(await deviceWrapKey(), sealed.slice(0, GCM_NONCE_BYTES),
    sealed.slice(GCM_NONCE_BYTES), SECRET_AAD);
}

const LOCAL_AAD = utf8('iltapiiri/device-wrap/local/v1');
const LOCAL_PREFIX = 'local:';

/**
 * Keep `value` (JSON) on this device sealed under the device wrap key (nonce (12) || AES-256-GCM,
 * its own AAD), beside the identity: tonight's messages survive a reload without lying in the
 * browser's storage as readable text (js/history.js).
 */
export async function putSealed(name, value, meta = {}) {
  const nonce = randomBytes(GCM_NONCE_BYTES);
  const sealed = await aesGcmEncrypt(await deviceWrapKey(), nonce, utf8(JSON.stringify(value)), LOCAL_AAD);
  await dbPut(LOCAL_PREFIX + name, { ...meta, nonce, sealed });
}

/** The value putSealed stored under `name`, or null (missing, or not openable here). */
export async function getSealed(name) {
  const record = await dbGet(LOCAL_PREFIX + name);
  if (!record) return null;
  try {
    const plain = await aesGcmDecrypt(await deviceWrapKey(), record.nonce, record.sealed, LOCAL_AAD);
    return JSON.parse(new TextDecoder().decode(plain));
  } catch (err) {
    return null;
  }
}

export const deleteSealed = (name) => dbDelete(LOCAL_PREFIX + name);

/** [{name, ...meta}] of every sealed record (the meta is stored in the clear: no content). */
export async function listSealed() {
  const out = [];
  await withStore('readonly', (s) => {
    const req = s.openCursor();
    req.onsuccess = () => {
      const cursor = req.result;
      if (!cursor) return;
      if (typeof cursor.key === 'string' && cursor.key.startsWith(LOCAL_PREFIX)) {
        const { nonce, sealed, ...meta } = cursor.value;
        out.push({ name: cursor.key.slice(LOCAL_PREFIX.length), ...meta });
      }
      cursor.continue();
    };
    return null;
  });
  return out;
}

/** The identity as the rest of the client sees it; never exposes the seed. */
export class Identity {
  constructor(record) {
    this.signingKey = record.signingKey;
    this.publicKey = record.publicKey;
    this.pseudonym = record.pseudonym || null;
    this.createdAt = record.createdAt;
    // How this device got the identity: {kind: 'created'} or {kind: 'restored', at, keys}
    // (keys: whether the backup carried the encryption keys). Older records have none.
    this.origin = record.origin || { kind: 'created' };
    this.record = record;
  }

  /** The public key as the protocol's b64. */
  get publicKeyB64() {
    return b64encode(this.publicKey);
  }

  /** Ed25519 signature by this device's identity key. */
  sign(message) {
    return ed25519Sign(this.signingKey, message);
  }

  toJSON() {
    return { publicKey: this.publicKeyB64, pseudonym: this.pseudonym };
  }
}

/** Store an identity made from a 32-byte seed; the caller should zero the seed afterwards. */
export async function saveIdentityFromSeed(seed, { pseudonym = null, createdAt, origin = null } = {}) {
  if (!(seed instanceof Uint8Array) || seed.length !== KEY_BYTES) throw new Error('bad_seed');
  const signingKey = await ed25519ImportSeed(seed, false);
  const publicKey = await ed25519PublicFromSeed(seed);
  const nonce = randomBytes(GCM_NONCE_BYTES);
  const wrapped = await aesGcmEncrypt(await deviceWrapKey(), nonce, seed, WRAP_AAD);
  const record = {
    version: IDENTITY_RECORD_VERSION,
    signingKey,
    publicKey,
    wrappedSeed: { nonce, sealed: wrapped },
    pseudonym,
    createdAt: createdAt || new Date().toISOString(),
    origin: origin || { kind: 'created' },
  };
  await dbPut(IDENTITY_RECORD, record);
  return new Identity(record);
}

/** A new identity for this device. */
export async function createIdentity() {
  const seed = randomBytes(KEY_BYTES);
  try {
    return await saveIdentityFromSeed(seed);
  } finally {
    seed.fill(0);
  }
}

/** The identity stored on this device, or null. */
export async function loadIdentity() {
  const record = await dbGet(IDENTITY_RECORD);
  if (!record || record.version !== IDENTITY_RECORD_VERSION) return null;
  return new Identity(record);
}

/** Remember the pseudonym the server confirmed for this key. */
export async function rememberPseudonym(identity, pseudonym) {
  identity.pseudonym = pseudonym;
  identity.record.pseudonym = pseudonym;
  await dbPut(IDENTITY_RECORD, identity.record);
}

/** Record how this device got its identity (after a restore: whether the keys came along). */
export async function rememberOrigin(identity, origin) {
  identity.origin = origin;
  identity.record.origin = origin;
  await dbPut(IDENTITY_RECORD, identity.record);
}

/** The seed, unwrapped for an export only. Zero it when done. */
export async function unwrapSeed(identity) {
  const { nonce, sealed } = identity.record.wrappedSeed;
  return aesGcmDecrypt(await deviceWrapKey(), nonce, sealed, WRAP_AAD);
}

/** Remove the identity (and its wrap key) from this device. */
export async function forgetIdentity() {
  await dbDelete(IDENTITY_RECORD);
  await dbDelete(WRAP_KEY_RECORD);
  wrapKeyCache = null;
}
