/**
 * Inner content: the typed, versioned, padded plaintext inside every ciphertext
 * (docs/crypto.md section 3, e2ee/content.py).
 *
 *   +---------+------+-----------------+------+-------------------------------+
 *   | version | type | payload         | 0x80 | 0x00 ... to a multiple of 160 |
 *   +---------+------+-----------------+------+-------------------------------+
 *   0x01 text:        franking_key (32) | var32 text UTF-8
 *   0x02 sender key:  var8 room | u32 epoch | sender (32) | u32 key_id | u32 iteration |
 *                     chain_key (32) | signing public key (32) | signature (64)
 *   0x03 control:     var8 action ASCII (1..64) | var16 data (<= 1024)
 *
 * Contents are plain objects with a `type`; their toString never shows text or keys.
 */

import {
  E2eeError, fail, fromUtf8, MAX_CONTROL_DATA, MAX_PLAINTEXT_BYTES, MAX_ROOM_ID_BYTES,
  MAX_TEXT_BYTES, PAD_BLOCK, PROTOCOL_VERSION, Reader, utf8, Writer,
} from './bytes.js';
import { draw, ed25519Verify } from './keys.js';

export const TYPE_TEXT = 0x01;
export const TYPE_SENDER_KEY = 0x02;
export const TYPE_CONTROL = 0x03;
export const SKD_LABEL = new TextEncoder().encode('iltapiiri/sender-key/v1\u0000');

/** 0x80 then the fewest zeros to a multiple of `block` (always at least the 0x80). */
export function pad(data, block = PAD_BLOCK) {
  const n = data.length + 1;
  const out = new Uint8Array(n + ((block - (n % block)) % block));
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** Remove padding; 'bad_padding' unless a block multiple ending in 0x80 then zeros (<= 1 block). */
export function unpad(data, block = PAD_BLOCK) {
  if (!data.length || data.length % block) fail('bad_padding', 'padded length is not a block multiple');
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end -= 1;
  if (end === 0 || data[end - 1] !== 0x80) fail('bad_padding', 'padding marker missing');
  const body = data.slice(0, end - 1);
  if (data.length - body.length > block) fail('bad_padding', 'padding longer than one block');
  return body;
}

const hidden = { toString() { return `[${this.type} content]`; } };

/** A chat message with its franking key (32 bytes). */
export function textContent(text, frankingKey) {
  if (!(frankingKey instanceof Uint8Array) || frankingKey.length !== 32) fail('malformed', 'franking key must be 32 bytes');
  if (utf8(text).length > MAX_TEXT_BYTES) fail('limit_exceeded', 'text too long');
  return Object.assign(Object.create(hidden), { type: 'text', text, frankingKey });
}

/** Text with a fresh franking key drawn from `rng` (the first draw of every text message). */
export async function newTextContent(text, rng = null) {
  if (utf8(text).length > MAX_TEXT_BYTES) fail('limit_exceeded', 'text too long');
  return textContent(text, await draw(rng, 32));
}

/** A protocol signal (`dm_request`, `rotated`...); never interpreted by the core. */
export function controlContent(action, data = new Uint8Array(0)) {
  if (typeof action !== 'string' || !/^[\x00-\x7f]{1,64}$/.test(action)) {
    fail('malformed', 'control action must be 1..64 ASCII characters');
  }
  if (data.length > MAX_CONTROL_DATA) fail('limit_exceeded', 'control data too long');
  return Object.assign(Object.create(hidden), { type: 'control', action, data });
}

/** A sender-key distribution; `signature` may be a placeholder until signed. */
export function senderKeyDistribution(f) {
  return Object.assign(Object.create(hidden), {
    type: 'sender_key', room: f.room, epoch: f.epoch, senderKey: f.senderKey, keyId: f.keyId,
    iteration: f.iteration, chainKey: f.chainKey, signingKey: f.signingKey,
    signature: f.signature || new Uint8Array(64),
  });
}

function skdFields(d) {
  return new Writer().var8(utf8(d.room, MAX_ROOM_ID_BYTES, 'room')).u32(d.epoch).raw(d.senderKey)
    .u32(d.keyId).u32(d.iteration).raw(d.chainKey).raw(d.signingKey).bytes();
}

/** SKD_LABEL || every field before the signature. */
export function skdSignedBytes(d) {
  const fields = skdFields(d);
  const out = new Uint8Array(SKD_LABEL.length + fields.length);
  out.set(SKD_LABEL);
  out.set(fields, SKD_LABEL.length);
  return out;
}

/** 'bad_signature' unless the distribution is signed by its sender identity key. */
export async function skdVerify(d) {
  let message;
  try {
    message = skdSignedBytes(d);
  } catch (err) {
    fail('bad_signature', 'distribution fields out of range');
  }
  await ed25519Verify(d.senderKey, d.signature, message);
}

function readSkd(r) {
  const room = fromUtf8(r.var8(MAX_ROOM_ID_BYTES), 'room');
  const epoch = r.u32();
  const senderKey = r.take(32);
  const keyId = r.u32();
  const iteration = r.u32();
  return senderKeyDistribution({
    room, epoch, senderKey, keyId, iteration, chainKey: r.take(32), signingKey: r.take(32),
    signature: r.take(64),
  });
}

/** Serialise and pad a content. */
export function encodeContent(content) {
  const w = new Writer().u8(PROTOCOL_VERSION);
  if (content.type === 'text') {
    w.u8(TYPE_TEXT).raw(content.frankingKey).var32(utf8(content.text, MAX_TEXT_BYTES, 'text'));
  } else if (content.type === 'sender_key') {
    w.u8(TYPE_SENDER_KEY).raw(skdFields(content)).raw(content.signature);
  } else if (content.type === 'control') {
    w.u8(TYPE_CONTROL).var8(utf8(content.action)).var16(content.data);
  } else {
    fail('malformed', 'unknown content');
  }
  const out = pad(w.bytes());
  if (out.length > MAX_PLAINTEXT_BYTES) fail('limit_exceeded', 'plaintext too long');
  return out;
}

/** Unpad and parse; malformed input throws an E2eeError. */
export function decodeContent(padded) {
  if (padded.length > MAX_PLAINTEXT_BYTES) fail('limit_exceeded', 'plaintext too long');
  const r = new Reader(unpad(padded));
  r.version();
  const kind = r.u8();
  let out;
  if (kind === TYPE_TEXT) {
    const fk = r.take(32);
    out = textContent(fromUtf8(r.var32(MAX_TEXT_BYTES), 'text'), fk);
  } else if (kind === TYPE_SENDER_KEY) {
    out = readSkd(r);
  } else if (kind === TYPE_CONTROL) {
    const action = r.var8(64);
    if (action.some((b) => b > 0x7f)) fail('malformed', 'control action must be ASCII');
    out = controlContent(fromUtf8(action), r.var16(MAX_CONTROL_DATA));
  } else {
    fail('malformed', 'unknown content type');
  }
  r.end();
  return out;
}

export { E2eeError };
