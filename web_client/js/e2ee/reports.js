/**
 * Reports that prove themselves (e2ee/reports.py, docs/crypto.md section 7.1): a message's
 * franking opening sealed to one moderator's X25519 key, opened by that moderator, and the
 * moderator's verdict. The byte layouts are e2ee/reports.py's and e2ee/franking.py's:
 *
 *   opening = version | 0x40 | u32 len text | franking_key 32 | commitment 32 | sender_key 32 |
 *             u16 len context | u16 len message_ref | u16 len room | ts u64 | has_stamp u8 | [stamp 32]
 *   k   = HKDF-SHA256(X25519(eph, moderator dh_key), salt "", REPORT_LABEL | eph | dh_key | to, 32)
 *   ad  = REPORT_LABEL | u16 len room | room | commitment
 *   box = AES-256-GCM(k, 0^12, version | 0x50 | u32 len opening | opening | u16 len note | note, ad)
 */

import {
  b64d, b64e, concat, fail, fromUtf8, MAX_CONTEXT_BYTES, MAX_PLAINTEXT_BYTES, MAX_REPORT_NOTE_BYTES,
  MAX_REPORT_RECIPIENTS, MAX_TEXT_BYTES, PROTOCOL_VERSION, Reader, utf8, Writer,
} from './bytes.js';
import { verifyCommitment } from './franking.js';
import { aeadDecrypt, aeadEncrypt, hkdf, x25519, x25519KeyPair } from './keys.js';

export const REPORT_LABEL = new TextEncoder().encode('iltapiiri/report/v1\u0000');
export const MAX_BOX_BYTES = MAX_PLAINTEXT_BYTES + 1024;
const OPENING_TAG = 0x40;
const REPORT_TAG = 0x50;
const NONCE = new Uint8Array(12);

/** FrankingOpening.to_bytes() of e2ee/franking.py. */
export function openingToBytes(o) {
  const w = new Writer().u8(PROTOCOL_VERSION).u8(OPENING_TAG);
  w.var32(utf8(o.text, MAX_TEXT_BYTES, 'text')).raw(o.frankingKey).raw(o.commitment).raw(o.senderKey);
  w.var16(utf8(o.context, MAX_CONTEXT_BYTES, 'context')).var16(o.messageRef);
  w.var16(utf8(o.room, MAX_CONTEXT_BYTES, 'room')).u64(o.ts);
  if (o.stamp) w.u8(1).raw(o.stamp); else w.u8(0);
  return w.bytes();
}

/** Inverse of openingToBytes. */
export function openingFromBytes(data) {
  const r = new Reader(data);
  r.version();
  if (r.u8() !== OPENING_TAG) fail('malformed', 'not a franking opening');
  const text = fromUtf8(r.var32(MAX_TEXT_BYTES), 'text');
  const frankingKey = r.take(32);
  const commitment = r.take(32);
  const senderKey = r.take(32);
  const context = fromUtf8(r.var16(MAX_CONTEXT_BYTES), 'context');
  const messageRef = r.var16(256);
  const room = fromUtf8(r.var16(MAX_CONTEXT_BYTES), 'room');
  const ts = r.u64();
  const flag = r.u8();
  if (flag !== 0 && flag !== 1) fail('malformed', 'bad stamp flag');
  const stamp = flag ? r.take(32) : null;
  r.end();
  return { text, frankingKey, commitment, context, senderKey, messageRef, room, ts, stamp };
}

function ad(room, commitment) {
  if (commitment.length !== 32) fail('malformed', 'commitment must be 32 bytes');
  return new Writer().raw(REPORT_LABEL).var16(utf8(room, MAX_CONTEXT_BYTES, 'room')).raw(commitment).bytes();
}

const boxKey = (shared, eph, dhKey, to) => hkdf(shared, new Uint8Array(0), concat(REPORT_LABEL, eph, dhKey, to), 32);

/** Seal `opening` (+ note) to the moderator {to: identity key, dhKey}; {to, eph, box} in b64. */
export async function sealReport(opening, note, { to, dhKey, rng = null }) {
  if (to.length !== 32 || dhKey.length !== 32) fail('malformed', 'recipient keys must be 32 bytes');
  const eph = await x25519KeyPair(rng);
  const key = await boxKey(await x25519(eph.priv, dhKey), eph.pub, dhKey, to);
  const plain = new Writer().u8(PROTOCOL_VERSION).u8(REPORT_TAG).var32(openingToBytes(opening))
    .var16(utf8(note, MAX_REPORT_NOTE_BYTES, 'note')).bytes();
  const box = await aeadEncrypt(key, NONCE, plain, ad(opening.room, opening.commitment));
  return { to: b64e(to), eph: b64e(eph.pub), box: b64e(box) };
}

/**
 * Open my box: `me` is {identityKey, dhKey, dhPriv (CryptoKey)}; `room` and `commitment` are the
 * report's clear fields. Throws 'decrypt_failed' when it is not mine or was moved or altered.
 */
export async function openReport(me, sealed, room, commitment) {
  const to = b64d(sealed.to, 'to', 32);
  const eph = b64d(sealed.eph, 'eph', 32);
  const box = b64d(sealed.box, 'box', null, MAX_BOX_BYTES);
  if (b64e(to) !== b64e(me.identityKey)) fail('decrypt_failed', 'sealed to another moderator');
  const key = await boxKey(await x25519(me.dhPriv, eph), eph, me.dhKey, to);
  const r = new Reader(await aeadDecrypt(key, NONCE, box, ad(room, commitment)));
  r.version();
  if (r.u8() !== REPORT_TAG) fail('malformed', 'not a report');
  const opening = openingFromBytes(r.var32(MAX_PLAINTEXT_BYTES));
  const note = fromUtf8(r.var16(MAX_REPORT_NOTE_BYTES), 'note');
  r.end();
  return { opening, note };
}

/**
 * The moderator's check (e2ee.reports.verdict): "this exact message was sent by senderKey in
 * room at ts" only when the relay vouched for its stamp and the revealed text matches the
 * commitment over exactly these fields. `opened` null (the box did not open): false.
 */
export async function verdict(opened, { room, commitment, senderKey, ts, stamped }) {
  if (!opened || stamped !== true) return false;
  const o = opened.opening;
  return (await verifyCommitment(o)) && b64e(o.commitment) === b64e(commitment)
    && b64e(o.senderKey) === b64e(senderKey) && o.room === room && o.context === room && o.ts === ts;
}

export const REPORT_REASONS = ['harassment', 'personal_data', 'selling', 'crisis', 'other'];

/** A message record's opening (openingToWire form, as the views keep it) back to bytes form. */
export function openingFromWire(w) {
  return {
    text: w.text, frankingKey: b64d(w.franking_key, 'franking_key', 32), commitment: b64d(w.commitment, 'commitment', 32),
    context: w.context, senderKey: b64d(w.sender_key, 'sender_key', 32),
    messageRef: b64d(w.message_ref, 'message_ref', null, 256), room: w.room, ts: w.ts,
    stamp: w.stamp ? b64d(w.stamp, 'stamp', 32) : null,
  };
}

/**
 * Report one message (client/reports.py's send_report): ask who can read reports of its room,
 * keep the moderators whose dh_key signature verifies, seal to each, send. `relay.request` is
 * the session's; the answer is the server's {report_id, stamped, duplicate, recipients}.
 */
export async function sendReport(relay, openingWire, messageId, reason, { note = '', rng = null, verifyDhKey }) {
  const opening = openingFromWire(openingWire);
  const reply = await relay.request('report.recipients', { room: opening.room });
  const recipients = [];
  for (const r of (reply.recipients || []).slice(0, MAX_REPORT_RECIPIENTS)) {
    try {
      const to = b64d(r.identity_key, 'identity_key', 32);
      const dhKey = b64d(r.dh_key, 'dh_key', 32);
      await verifyDhKey(to, dhKey, b64d(r.dh_sig, 'dh_sig', 64));
      recipients.push({ to, dhKey });
    } catch (err) {
      // a key whose signature does not verify is not sealed to
    }
  }
  if (!recipients.length) fail('no_moderators', 'no moderator can read a report of this room now');
  const sealed = [];
  for (const r of recipients) sealed.push(await sealReport(opening, note, { ...r, rng }));
  return relay.request('report', {
    room: opening.room, message_id: messageId, sender_key: b64e(opening.senderKey),
    commitment: b64e(opening.commitment), ts: opening.ts, stamp: b64e(opening.stamp || new Uint8Array(32)),
    reason, sealed,
  });
}

/**
 * A `mod.report` push as the moderator's console shows it: {reportId, room, messageId, sender,
 * ts, reason, stamped, verified, text (null: the box did not open), note}.
 */
export async function openModReport(me, push) {
  const commitment = b64d(push.commitment, 'commitment', 32);
  let opened = null;
  try {
    opened = await openReport(me, push.sealed, push.room, commitment);
  } catch (err) {
    opened = null;
  }
  const verified = await verdict(opened, { room: push.room, commitment, senderKey: b64d(push.sender_key, 'sender_key', 32),
    ts: push.ts, stamped: push.stamped });
  return { reportId: push.report_id, room: push.room, messageId: push.message_id, sender: push.sender, ts: push.ts,
    reason: push.reason, stamped: push.stamped === true, verified,
    text: opened ? opened.opening.text : null, note: opened ? opened.note : '' };
}
