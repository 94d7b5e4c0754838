/**
 * What goes over the wire around the ciphertexts (docs/protocol.md, e2ee/envelopes.py).
 * Raw JSON stops here: fromWire validates `direct.envelope` / `room.envelope` pushes into plain
 * objects; outgoingToWire gives the fields of `direct.send` / `room.send`.
 */

import {
  b64d, b64e, fail, field, MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_ROOM_ID_BYTES, utf8,
} from './bytes.js';

export const KIND_PREKEY = 'prekey';
export const KIND_MSG = 'msg';
export const KIND_GROUP = 'group';
const KINDS = [KIND_PREKEY, KIND_MSG, KIND_GROUP];

/** One encrypted message to send. */
export function outgoing(kind, header, body, commitment = null) {
  return { kind, header, body, commitment };
}

/** {kind, header, body[, commitment]} with b64 bytes; the caller adds `to` or `room`. */
export function outgoingToWire(o) {
  const out = { kind: o.kind, header: b64e(o.header), body: b64e(o.body) };
  if (o.commitment) out.commitment = b64e(o.commitment);
  return out;
}

function optionalB64(d, name) {
  const v = d[name];
  return v === null || v === undefined ? null : b64d(v, name, 32);
}

function ts(d) {
  const v = field(d, 'ts', 'int');
  if (v < 0) fail('malformed', 'ts out of range');
  return v;
}

function kind(d) {
  const k = field(d, 'kind', 'string');
  if (!KINDS.includes(k)) fail('malformed', 'unknown kind');
  return k;
}

/** Validate a `direct.envelope`; senderKey is the server-stamped `from_key`. */
export function directEnvelopeFromWire(d) {
  const k = kind(d);
  if (k === KIND_GROUP) fail('malformed', 'group kind in a direct envelope');
  return {
    id: field(d, 'id', 'string'), ts: ts(d), sender: field(d, 'from', 'string'),
    senderKey: b64d(field(d, 'from_key', 'string'), 'from_key', 32), kind: k,
    header: b64d(field(d, 'header', 'string'), 'header', null, MAX_HEADER_BYTES),
    body: b64d(field(d, 'body', 'string'), 'body', null, MAX_BODY_BYTES),
    commitment: optionalB64(d, 'commitment'), stamp: optionalB64(d, 'stamp'),
  };
}

/** Validate a `room.envelope`; room, seq, ts, sender and senderKey are the server's. */
export function groupEnvelopeFromWire(d) {
  const room = field(d, 'room', 'string');
  utf8(room, MAX_ROOM_ID_BYTES, 'room');
  const seq = field(d, 'seq', 'int');
  if (seq < 1) fail('malformed', 'seq out of range');
  return {
    room, seq, ts: ts(d), sender: field(d, 'sender', 'string'),
    senderKey: b64d(field(d, 'sender_key', 'string'), 'sender_key', 32), kind: kind(d),
    header: b64d(field(d, 'header', 'string'), 'header', null, MAX_HEADER_BYTES),
    body: b64d(field(d, 'body', 'string'), 'body', null, MAX_BODY_BYTES),
    commitment: optionalB64(d, 'commitment'), stamp: optionalB64(d, 'stamp'),
  };
}
