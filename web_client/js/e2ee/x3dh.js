/**
 * X3DH key agreement and the prekey header (docs/crypto.md section 4, e2ee/x3dh.py).
 *
 *   DH1 = X25519(IKa, SPKb)  DH2 = X25519(EKa, IKb)  DH3 = X25519(EKa, SPKb)  [DH4 = X25519(EKa, OPKb)]
 *   SK  = HKDF(0xFF*32 || DH1 || DH2 || DH3 [|| DH4], salt = 32 zero bytes, "iltapiiri/x3dh/v1", 32)
 *   AD  = "iltapiiri/dr/v1\0" || Alice identity || Alice DH key || Bob identity || Bob DH key
 *
 * Prekey header (kind "prekey"):
 *   +------+------+-------------------+-------------+-------------+
 *   | 0x01 | 0x01 | identity key (32) | DH key (32) | dh_sig (64) |
 *   +------+------+-------------------+-------------+-------------+
 *   | base key = EKa (32) | u32 signed prekey id | u32 one-time prekey id (0 = none) |
 *   +---------------------+----------------------+-----------------------------------+
 *   | ratchet header (43 or 75 bytes)                                                |
 */

import { concat, fail, PROTOCOL_VERSION, Reader, Writer } from './bytes.js';
import { dhKeyMessage } from './identity.js';
import { ed25519Verify, hkdf, x25519 } from './keys.js';
import { readRatchetHeader } from './ratchet.js';

const enc = new TextEncoder();
export const X3DH_INFO = enc.encode('iltapiiri/x3dh/v1');
export const AD_LABEL = enc.encode('iltapiiri/dr/v1\u0000');
export const PREKEY_TYPE = 0x01;
export const NO_ONE_TIME_PREKEY = 0;

/** SK from the 3 or 4 DH outputs in order. */
export function sharedSecret(dhOutputs) {
  return hkdf(concat(new Uint8Array(32).fill(0xff), ...dhOutputs), new Uint8Array(32), X3DH_INFO, 32);
}

export function associatedData(initiatorIdentity, initiatorDh, responderIdentity, responderDh) {
  return concat(AD_LABEL, initiatorIdentity, initiatorDh, responderIdentity, responderDh);
}

/** Alice's DH outputs (her DH key and ephemeral are CryptoKeys). */
export async function initiatorOutputs(identityDhPriv, ephemeralPriv, responderDh, signedPrekey, oneTimePrekey) {
  const outs = [
    await x25519(identityDhPriv, signedPrekey),
    await x25519(ephemeralPriv, responderDh),
    await x25519(ephemeralPriv, signedPrekey),
  ];
  if (oneTimePrekey) outs.push(await x25519(ephemeralPriv, oneTimePrekey));
  return outs;
}

/** Bob's SK (same value as Alice's). */
export async function responderSecret(identityDhPriv, signedPrekeyPriv, oneTimePrekeyPriv, initiatorDh, ephemeral) {
  const outs = [
    await x25519(signedPrekeyPriv, initiatorDh),
    await x25519(identityDhPriv, ephemeral),
    await x25519(signedPrekeyPriv, ephemeral),
  ];
  if (oneTimePrekeyPriv) outs.push(await x25519(oneTimePrekeyPriv, ephemeral));
  return sharedSecret(outs);
}

/** Everything of a prekey header before the ratchet header (170 bytes). */
export function prekeyPrefix(f) {
  return new Writer().u8(PROTOCOL_VERSION).u8(PREKEY_TYPE).raw(f.identityKey).raw(f.dhKey)
    .raw(f.dhSig).raw(f.baseKey).u32(f.signedPrekeyId).u32(f.oneTimePrekeyId).bytes();
}

/** Parse a prekey header and check its DH key signature against the included identity key. */
export async function decodePrekeyHeader(data) {
  const r = new Reader(data);
  r.version();
  if (r.u8() !== PREKEY_TYPE) fail('malformed', 'not a prekey header');
  const identityKey = r.take(32);
  const dhKey = r.take(32);
  const dhSig = r.take(64);
  const baseKey = r.take(32);
  const signedPrekeyId = r.u32();
  const oneTimePrekeyId = r.u32();
  const ratchet = readRatchetHeader(r);
  r.end();
  await ed25519Verify(identityKey, dhSig, dhKeyMessage(dhKey));
  return { identityKey, dhKey, dhSig, baseKey, signedPrekeyId, oneTimePrekeyId, ratchet };
}
