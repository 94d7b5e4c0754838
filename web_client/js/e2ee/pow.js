/**
 * Sign-in proof of work (the browser port of e2ee/pow.py; docs/protocol.md, "Session").
 *
 * Find a nonce so that SHA-256("iltapiiri/pow/v1\0" || challenge(32) || identity_key(32) ||
 * nonce(u64 BE)) opens with `bits` zero bits. WebCrypto's digest is asynchronous, so hashes
 * are issued in batches and the page stays responsive between them.
 */

const LABEL = new TextEncoder().encode('iltapiiri/pow/v1\u0000');
export const MAX_POW_BITS = 32;
const BATCH = 512;

function input(challenge, identityKey) {
  const buf = new Uint8Array(LABEL.length + challenge.length + identityKey.length + 8);
  buf.set(LABEL, 0);
  buf.set(challenge, LABEL.length);
  buf.set(identityKey, LABEL.length + challenge.length);
  return buf;
}

function setNonce(buf, nonce) {
  const view = new DataView(buf.buffer, buf.byteOffset + buf.length - 8, 8);
  view.setUint32(0, Math.floor(nonce / 2 ** 32));
  view.setUint32(4, nonce >>> 0);
}

/** Zero bits at the start of `digest` (a Uint8Array). */
export function leadingZeroBits(digest) {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) { bits += 8; continue; }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** True if `nonce` solves the challenge at `bits`. */
export async function checkPow(challenge, identityKey, nonce, bits) {
  if (bits <= 0) return true;
  const buf = input(challenge, identityKey);
  setNonce(buf, nonce);
  return leadingZeroBits(new Uint8Array(await crypto.subtle.digest('SHA-256', buf))) >= bits;
}

/** The first solving nonce from `start` (2^bits hashes on average). */
export async function solvePow(challenge, identityKey, bits, start = 0) {
  if (!Number.isInteger(bits) || bits < 0 || bits > MAX_POW_BITS) {
    throw { code: 'bad_reply', message: 'bad proof-of-work difficulty' };
  }
  if (bits === 0) return start;
  for (let base = start; base < Number.MAX_SAFE_INTEGER; base += BATCH) {
    const tries = [];
    for (let i = 0; i < BATCH; i += 1) {
      const buf = input(challenge, identityKey);
      setNonce(buf, base + i);
      tries.push(crypto.subtle.digest('SHA-256', buf));
    }
    const digests = await Promise.all(tries);
    for (let i = 0; i < BATCH; i += 1) {
      if (leadingZeroBits(new Uint8Array(digests[i])) >= bits) return base + i;
    }
  }
  throw { code: 'bad_reply', message: 'no proof-of-work nonce found' };
}
