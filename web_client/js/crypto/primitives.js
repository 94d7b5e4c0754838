/**
 * WebCrypto primitives, byte-compatible with the Python core (e2ee/, `cryptography`).
 *
 * Everything takes and returns Uint8Array; keys are CryptoKey objects. Private keys can be made
 * non-extractable; public keys are always raw 32-byte strings on the wire. Only the platform's
 * CSPRNG is used. Nothing here logs, and errors never carry key bytes.
 */

const subtle = globalThis.crypto.subtle;

export const ED25519 = 'Ed25519';
export const X25519 = 'X25519';
export const KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;
export const AES_KEY_BYTES = 32;

// PKCS#8 wrappers of a raw 32-byte private key (RFC 8410): the WebCrypto way in for raw seeds.
const PKCS8_ED25519_PREFIX = hexToBytes('302e020100300506032b657004220420');
const PKCS8_X25519_PREFIX = hexToBytes('302e020100300506032b656e04220420');

export class CryptoError extends Error {
  /** A failed check; `code` is stable, the message never contains secret bytes. */
  constructor(code) {
    super(code);
    this.name = 'CryptoError';
    this.code = code;
  }
}

/** Cryptographically random bytes from the platform CSPRNG. */
export function randomBytes(n) {
  const out = new Uint8Array(n);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

export function hexToBytes(hex) {
  if (hex.length % 2 || /[^0-9a-fA-F]/.test(hex)) throw new CryptoError('bad_hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** RFC 4648 section 4 base64, standard alphabet, with padding. */
export function b64encode(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/**
 * Strict decode (docs/crypto.md section 1): refuses other alphabets, missing padding, whitespace
 * and non-canonical text. atob ignores the unused low bits of the last character ("QR==" and
 * "QQ==" both give "A"), so the result must encode back to exactly the same string, as the
 * Python side (e2ee.encoding.b64d) requires.
 */
export function b64decode(text) {
  if (typeof text !== 'string' || !B64_RE.test(text)) throw new CryptoError('bad_base64');
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  if (b64encode(out) !== text) throw new CryptoError('bad_base64');
  return out;
}

export function utf8(text) {
  return new TextEncoder().encode(text);
}

export function fromUtf8(bytes) {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

export function concatBytes(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Compare without an early exit (timing does not reveal where two MACs differ). */
export function constantTimeEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a[i] ^ b[i];
  return diff === 0;
}

function needLength(bytes, n, code) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) throw new CryptoError(code);
}

/* ---------- hashing and MACs ---------- */

/** SHA-256 digest. */
export async function sha256(data) {
  return new Uint8Array(await subtle.digest('SHA-256', data));
}

/** HMAC-SHA256(key, data); the key may be any length (RFC 2104). */
export async function hmacSha256(key, data) {
  const k = await subtle.importKey('raw', key.length ? key : new Uint8Array(64),
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  // An empty HMAC key equals a block of zeros; WebCrypto refuses length 0, so pad it ourselves.
  return new Uint8Array(await subtle.sign('HMAC', k, data));
}

/** Verify an HMAC-SHA256 tag in constant time. */
export async function hmacSha256Verify(key, data, tag) {
  return constantTimeEqual(await hmacSha256(key, data), tag);
}

/** HKDF-SHA256 (RFC 5869): `length` bytes from ikm, salt (empty = zeros) and info. */
export async function hkdfSha256(ikm, salt, info, length) {
  if (length <= 0 || length > 255 * 32) throw new CryptoError('bad_length');
  const k = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const bits = await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: salt || new Uint8Array(0), info: info || new Uint8Array(0) },
    k, length * 8);
  return new Uint8Array(bits);
}

/* ---------- AES-256-GCM ---------- */

async function aesKey(key, usage) {
  needLength(key, AES_KEY_BYTES, 'bad_key_length');
  return subtle.importKey('raw', key, { name: 'AES-GCM' }, false, [usage]);
}

/** AES-256-GCM: returns ciphertext || 16-byte tag (the layout of Python's AESGCM). */
export async function aesGcmEncrypt(key, nonce, plaintext, aad = new Uint8Array(0)) {
  needLength(nonce, GCM_NONCE_BYTES, 'bad_nonce_length');
  const k = key instanceof Uint8Array ? await aesKey(key, 'encrypt') : key;
  const out = await subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, k, plaintext);
  return new Uint8Array(out);
}

/** AES-256-GCM open; throws CryptoError('decrypt_failed') on any tag mismatch. */
export async function aesGcmDecrypt(key, nonce, sealed, aad = new Uint8Array(0)) {
  needLength(nonce, GCM_NONCE_BYTES, 'bad_nonce_length');
  if (sealed.length < GCM_TAG_BYTES) throw new CryptoError('decrypt_failed');
  const k = key instanceof Uint8Array ? await aesKey(key, 'decrypt') : key;
  try {
    const out = await subtle.decrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, k, sealed);
    return new Uint8Array(out);
  } catch (err) {
    throw new CryptoError('decrypt_failed');
  }
}

/* ---------- Ed25519 ---------- */

/** A fresh Ed25519 key pair; `extractable` applies to the private key only. */
export async function ed25519Generate(extractable = false) {
  return subtle.generateKey({ name: ED25519 }, extractable, ['sign', 'verify']);
}

/** Import a 32-byte Ed25519 seed (the RFC 8032 secret key) as a signing CryptoKey. */
export async function ed25519ImportSeed(seed, extractable = false) {
  needLength(seed, KEY_BYTES, 'bad_key_length');
  return subtle.importKey('pkcs8', concatBytes(PKCS8_ED25519_PREFIX, seed), { name: ED25519 },
    extractable, ['sign']);
}

/** The 32-byte seed of an extractable Ed25519 private key. */
export async function ed25519ExportSeed(privateKey) {
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', privateKey));
  return pkcs8.slice(pkcs8.length - KEY_BYTES);
}

/** The raw 32-byte public key. */
export async function exportPublicRaw(publicKey) {
  return new Uint8Array(await subtle.exportKey('raw', publicKey));
}

/** Derive the public key of an Ed25519 seed (WebCrypto has no direct call; JWK carries x). */
export async function ed25519PublicFromSeed(seed) {
  const key = await ed25519ImportSeed(seed, true);
  const jwk = await subtle.exportKey('jwk', key);
  return b64urlDecode(jwk.x);
}

export async function ed25519ImportPublic(raw) {
  needLength(raw, KEY_BYTES, 'bad_key_length');
  return subtle.importKey('raw', raw, { name: ED25519 }, true, ['verify']);
}

/** Ed25519 signature (64 bytes). */
export async function ed25519Sign(privateKey, message) {
  return new Uint8Array(await subtle.sign({ name: ED25519 }, privateKey, message));
}

/** Verify an Ed25519 signature against a raw public key; false (never a throw) when bad. */
export async function ed25519Verify(publicRaw, signature, message) {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
  try {
    const key = await ed25519ImportPublic(publicRaw);
    return await subtle.verify({ name: ED25519 }, key, signature, message);
  } catch (err) {
    return false;
  }
}

/* ---------- X25519 ---------- */

/** A fresh X25519 key pair. */
export async function x25519Generate(extractable = false) {
  return subtle.generateKey({ name: X25519 }, extractable, ['deriveBits']);
}

/** Import a raw 32-byte X25519 private scalar (clamping is applied by the algorithm). */
export async function x25519ImportPrivate(raw, extractable = false) {
  needLength(raw, KEY_BYTES, 'bad_key_length');
  return subtle.importKey('pkcs8', concatBytes(PKCS8_X25519_PREFIX, raw), { name: X25519 },
    extractable, ['deriveBits']);
}

/** The 32-byte private scalar of an extractable X25519 key. */
export async function x25519ExportPrivate(privateKey) {
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', privateKey));
  return pkcs8.slice(pkcs8.length - KEY_BYTES);
}

/** The public key of a raw X25519 private scalar. */
export async function x25519PublicFromPrivate(raw) {
  const key = await x25519ImportPrivate(raw, true);
  const jwk = await subtle.exportKey('jwk', key);
  return b64urlDecode(jwk.x);
}

export async function x25519ImportPublic(raw) {
  needLength(raw, KEY_BYTES, 'bad_key_length');
  return subtle.importKey('raw', raw, { name: X25519 }, true, []);
}

/**
 * X25519 shared secret. Rejects an all-zero result (a low-order peer key): some engines do not
 * check, and a zero secret would make every derived key public (RFC 7748 section 6.1).
 */
export async function x25519(privateKey, peerPublicRaw) {
  let shared;
  try {
    const pub = await x25519ImportPublic(peerPublicRaw);
    shared = new Uint8Array(await subtle.deriveBits({ name: X25519, public: pub }, privateKey, 256));
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError('bad_shared_secret');
  }
  if (shared.every((b) => b === 0)) throw new CryptoError('bad_shared_secret');
  return shared;
}

/* ---------- passphrase keys ---------- */

/** PBKDF2-SHA256 into a non-extractable AES-256-GCM key (for passphrase-protected exports). */
export async function pbkdf2AesKey(passphrase, salt, iterations) {
  const base = await subtle.importKey('raw', utf8(passphrase), 'PBKDF2', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base,
    { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

function b64urlDecode(text) {
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  return b64decode(std + '='.repeat((4 - (std.length % 4)) % 4));
}
