/**
 * Message franking (docs/crypto.md section 7, e2ee/franking.py).
 *
 *   cf    = HMAC(nf, "iltapiiri/frank/v1\0" || var16(context) || sender (32) ||
 *                    var16(message_ref) || var32(text UTF-8))
 *   stamp = HMAC(server key, "iltapiiri/frank-stamp/v1\0" || cf || sender || room || 0x00 || u64 ts)
 *
 * The opening (text, nf, cf, context, sender, message_ref, room, ts, stamp) is kept with every
 * displayed message so a report can reveal it; moderators check the commitment, the server the
 * stamp, and the context must equal the stamped room.
 */

import {
  b64e, concat, ctEqual, fail, MAX_CONTEXT_BYTES, MAX_TEXT_BYTES, utf8, Writer,
} from './bytes.js';
import { hmac } from './keys.js';

const enc = new TextEncoder();
export const FRANK_LABEL = enc.encode('iltapiiri/frank/v1\u0000');
export const STAMP_LABEL = enc.encode('iltapiiri/frank-stamp/v1\u0000');
export const DIRECT_CONTEXT = 'direct';

export function commitmentInput(context, senderKey, messageRef, text) {
  if (senderKey.length !== 32) fail('malformed', 'sender key must be 32 bytes');
  return new Writer().raw(FRANK_LABEL).var16(utf8(context, MAX_CONTEXT_BYTES, 'context'))
    .raw(senderKey).var16(messageRef).var32(utf8(text, MAX_TEXT_BYTES, 'text')).bytes();
}

/** The sender's 32-byte commitment to one message. */
export async function makeCommitment(frankingKey, context, senderKey, messageRef, text) {
  if (frankingKey.length !== 32) fail('malformed', 'franking key must be 32 bytes');
  return hmac(frankingKey, commitmentInput(context, senderKey, messageRef, text));
}

export function stampInput(commitment, senderKey, room, ts) {
  if (commitment.length !== 32 || senderKey.length !== 32) fail('malformed', 'commitment and sender key must be 32 bytes');
  if (!Number.isSafeInteger(ts) || ts < 0) fail('malformed', 'ts out of range');
  return concat(STAMP_LABEL, commitment, senderKey, utf8(room, MAX_CONTEXT_BYTES, 'room'),
    new Uint8Array([0]), new Writer().u64(ts).bytes());
}

/** The relay's stamp (the browser only checks it). */
export async function makeStamp(serverKey, commitment, senderKey, room, ts) {
  return hmac(serverKey, stampInput(commitment, senderKey, room, ts));
}

export async function verifyStamp(serverKey, stamp, commitment, senderKey, room, ts) {
  try {
    return ctEqual(await makeStamp(serverKey, commitment, senderKey, room, ts), stamp);
  } catch (err) {
    return false;
  }
}

/** Everything a recipient reveals to report one message. */
export function frankingOpening(f) {
  return {
    text: f.text, frankingKey: f.frankingKey, commitment: f.commitment, context: f.context,
    senderKey: f.senderKey, messageRef: f.messageRef, room: f.room, ts: f.ts, stamp: f.stamp || null,
    toString() { return `FrankingOpening(room=${this.room}, ts=${this.ts})`; },
  };
}

/** True iff the opening's commitment matches its revealed contents. */
export async function verifyCommitment(o) {
  try {
    return ctEqual(await makeCommitment(o.frankingKey, o.context, o.senderKey, o.messageRef, o.text), o.commitment);
  } catch (err) {
    return false;
  }
}

/** The report payload (e2ee FrankingOpening.to_wire: bytes as b64). */
export function openingToWire(o) {
  return {
    text: o.text, franking_key: b64e(o.frankingKey), commitment: b64e(o.commitment), context: o.context,
    sender_key: b64e(o.senderKey), message_ref: b64e(o.messageRef), room: o.room, ts: o.ts,
    stamp: o.stamp ? b64e(o.stamp) : null,
  };
}
