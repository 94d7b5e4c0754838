/**
 * Safety numbers (docs/crypto.md section 9, e2ee/safety.py): per identity key k,
 * d = SHA-512("iltapiiri/safety/v1\0" || k), then 5199 times d = SHA-512(d || k); d[0:30] as six
 * 5-byte big-endian integers mod 100000, 5 digits each. The number is both 30-digit halves sorted
 * and concatenated (60 digits), so both sides see the same.
 */

import { concat, fail, SAFETY_ITERATIONS } from './bytes.js';
import { sha512 } from './keys.js';

export const SAFETY_LABEL = new TextEncoder().encode('iltapiiri/safety/v1\u0000');

/** 30 decimal digits for one identity key. */
export async function fingerprintDigits(identityKey) {
  if (!(identityKey instanceof Uint8Array) || identityKey.length !== 32) fail('malformed', 'identity key must be 32 bytes');
  let d = await sha512(concat(SAFETY_LABEL, identityKey));
  for (let i = 0; i < SAFETY_ITERATIONS - 1; i += 1) d = await sha512(concat(d, identityKey));
  let out = '';
  for (let i = 0; i < 30; i += 5) {
    let v = 0n;
    for (let j = 0; j < 5; j += 1) v = (v << 8n) | BigInt(d[i + j]);
    out += String(v % 100000n).padStart(5, '0');
  }
  return out;
}

/** 60 digits, the same whichever order the keys are given. */
export async function safetyNumber(keyA, keyB) {
  return [await fingerprintDigits(keyA), await fingerprintDigits(keyB)].sort().join('');
}

/** "12345 67890 ...": 12 groups of 5 digits. */
export function formatSafetyNumber(number) {
  return number.match(/.{1,5}/g).join(' ');
}
