/**
 * The e2ee core's view of WebCrypto: key pairs, randomness and the primitives with the error
 * codes of docs/crypto.md (the browser side of e2ee/primitives.py).
 *
 * Randomness: every function that draws takes `rng`. `null` (the default everywhere) means the
 * platform: random bytes from crypto.getRandomValues and key pairs from generateKey with a
 * **non-extractable** private key, so no script can read an X25519 or Ed25519 private key back
 * out. A function `rng(n)` (sync or async, returning n bytes) is only for the test vectors: its
 * bytes are imported as private keys (PKCS#8), drawn in the order docs/crypto.md states.
 *
 * Where WebCrypto cannot keep a secret inside a CryptoKey: root, chain and message keys are
 * HMAC/HKDF *inputs* whose outputs become the next key, so they live as raw bytes in memory and
 * in IndexedDB (as in every Signal-protocol implementation). Nothing here logs.
 */

import * as P from '../crypto/primitives.js';
import { concat, fail, KEY_LEN, NONCE_LEN, SIG_LEN, TAG_LEN } from './bytes.js';

const subtle = globalThis.crypto.subtle;

/** n random bytes from `rng` (or the platform CSPRNG when rng is null). */
export async function draw(rng, n) {
  const out = rng ? await rng(n) : P.randomBytes(n);
  if (!(out instanceof Uint8Array) || out.length !== n) fail('invalid_key', 'rng returned the wrong number of bytes');
  return out;
}

async function publicOfPkcs8(algorithm, prefixRaw) {
  const key = await subtle.importKey('pkcs8', prefixRaw, { name: algorithm }, true,
    algorithm === 'X25519' ? ['deriveBits'] : ['sign']);
  const jwk = await subtle.exportKey('jwk', key);
  return P.b64decode(jwk.x.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (jwk.x.length % 4)) % 4));
}

const X25519_BASE_POINT = new Uint8Array(32);
X25519_BASE_POINT[0] = 9;
let basePointKey = null;

/**
 * {priv: CryptoKey (non-extractable), pub: Uint8Array(32)} for a raw X25519 private key. The
 * public half is X25519(priv, 9), so no extractable copy of the private key is ever made.
 */
export async function x25519FromRaw(raw) {
  if (!(raw instanceof Uint8Array) || raw.length !== KEY_LEN) fail('malformed', 'X25519 private key must be 32 bytes');
  const pkcs8 = concat(P.hexToBytes('302e020100300506032b656e04220420'), raw);
  const priv = await subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits']);
  pkcs8.fill(0);
  if (!basePointKey) basePointKey = await subtle.importKey('raw', X25519_BASE_POINT, { name: 'X25519' }, true, []);
  const pub = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: basePointKey }, priv, 256));
  return { priv, pub };
}

let sealer = null;

/**
 * Make new X25519 private keys backup-able: with a sealer ({seal(raw) -> Uint8Array}, the web
 * client passes the device wrap key's, see js/identity/store.js) a new key pair is drawn from the
 * CSPRNG, imported as a non-extractable CryptoKey, and its raw bytes are kept only sealed, as
 * `pair.sealed` (stored with the pair). `null` (tests of pure logic) generates inside WebCrypto.
 */
export function useKeySealer(s) {
  sealer = s;
}

/** A new X25519 key pair: generated inside WebCrypto, or from 32 bytes of a test rng. */
export async function x25519KeyPair(rng = null) {
  if (rng) return x25519FromRaw(await draw(rng, KEY_LEN));
  if (sealer) {
    const raw = P.randomBytes(KEY_LEN);
    try {
      const pair = await x25519FromRaw(raw);
      pair.sealed = await sealer.seal(raw);
      return pair;
    } finally {
      raw.fill(0);
    }
  }
  const pair = await subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
  return { priv: pair.privateKey, pub: new Uint8Array(await subtle.exportKey('raw', pair.publicKey)) };
}

/** {priv, pub} for a 32-byte Ed25519 seed (RFC 8032 secret key), private key non-extractable. */
export async function ed25519FromSeed(seed) {
  if (!(seed instanceof Uint8Array) || seed.length !== KEY_LEN) fail('malformed', 'Ed25519 seed must be 32 bytes');
  const pkcs8 = concat(P.hexToBytes('302e020100300506032b657004220420'), seed);
  const pub = await publicOfPkcs8('Ed25519', pkcs8);
  const priv = await subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  pkcs8.fill(0);
  return { priv, pub };
}

/** A new Ed25519 key pair: generated inside WebCrypto, or from a 32-byte seed of a test rng. */
export async function ed25519KeyPair(rng = null) {
  if (rng) return ed25519FromSeed(await draw(rng, KEY_LEN));
  const pair = await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  return { priv: pair.privateKey, pub: new Uint8Array(await subtle.exportKey('raw', pair.publicKey)) };
}

/** A signer ({publicKey, sign}) over an Ed25519 key pair (the identity interface). */
export function signerOf(pair) {
  return { publicKey: pair.pub, sign: (message) => P.ed25519Sign(pair.priv, message) };
}

/** X25519(priv, pub); the all-zero result is refused here, whatever the platform does. */
export async function x25519(priv, pub) {
  if (!(pub instanceof Uint8Array) || pub.length !== KEY_LEN) fail('malformed', 'X25519 public key must be 32 bytes');
  try {
    return await P.x25519(priv, pub);
  } catch (err) {
    return fail('invalid_key', 'X25519 produced the all-zero shared secret');
  }
}

export async function ed25519Sign(priv, message) {
  return P.ed25519Sign(priv, message);
}

/** Throws 'bad_signature' unless `sig` verifies for `message` under the raw public key. */
export async function ed25519Verify(pub, sig, message) {
  if (!(pub instanceof Uint8Array) || pub.length !== KEY_LEN || !(sig instanceof Uint8Array)
      || sig.length !== SIG_LEN) fail('bad_signature', 'signature or key has the wrong length');
  if (!(await P.ed25519Verify(pub, sig, message))) fail('bad_signature', 'signature does not verify');
}

export const sha256 = (data) => P.sha256(data);

export async function sha512(data) {
  return new Uint8Array(await subtle.digest('SHA-512', data));
}

export const hmac = (key, data) => P.hmacSha256(key, data);

/** HKDF-SHA256; an empty salt means 32 zero bytes (RFC 5869, as e2ee/primitives.py). */
export function hkdf(ikm, salt, info, length) {
  return P.hkdfSha256(ikm, salt && salt.length ? salt : new Uint8Array(32), info, length);
}

/** AES-256-GCM: ciphertext || 16-byte tag. */
export async function aeadEncrypt(key, nonce, plaintext, ad) {
  if (key.length !== KEY_LEN || nonce.length !== NONCE_LEN) fail('malformed', 'bad AES-GCM key or nonce length');
  return P.aesGcmEncrypt(key, nonce, plaintext, ad);
}

/** Inverse of aeadEncrypt; 'decrypt_failed' on any authentication failure. */
export async function aeadDecrypt(key, nonce, sealed, ad) {
  if (key.length !== KEY_LEN || nonce.length !== NONCE_LEN) fail('malformed', 'bad AES-GCM key or nonce length');
  if (sealed.length < TAG_LEN) fail('decrypt_failed', 'ciphertext shorter than the tag');
  try {
    return await P.aesGcmDecrypt(key, nonce, sealed, ad);
  } catch (err) {
    return fail('decrypt_failed', 'authentication failed');
  }
}

/** The deterministic stream of tests/vectors/generate.py: SHA-256(seed || u64 counter) || ... */
export function seededRng(seedText) {
  const seed = new TextEncoder().encode(seedText);
  let counter = 0;
  let buf = new Uint8Array(0);
  return async (n) => {
    while (buf.length < n) {
      const ctr = new Uint8Array(8);
      new DataView(ctr.buffer).setBigUint64(0, BigInt(counter));
      counter += 1;
      buf = concat(buf, await P.sha256(concat(seed, ctr)));
    }
    const out = buf.slice(0, n);
    buf = buf.slice(n);
    return out;
  };
}
