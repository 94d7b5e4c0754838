/**
 * Errors, limits and the byte-level reader/writer shared by every e2ee structure (the browser
 * port of e2ee/errors.py, e2ee/limits.py and e2ee/encoding.py; docs/crypto.md section 1).
 *
 * Integers are unsigned big-endian; var8/var16/var32 are length-prefixed fields. Every read
 * checks bounds and throws E2eeError('malformed'); a wrong version byte throws
 * 'unsupported_version' before anything else is read.
 */

import { b64decode, b64encode, bytesToHex, constantTimeEqual } from '../crypto/primitives.js';

export const PROTOCOL_VERSION = 1;

// docs/crypto.md "Limits": the same names and values as e2ee/limits.py, the one source;
// tests/web_client/test_group_key_rules.py fails when one differs or is missing here.
export const MAX_SKIP = 1000;
export const MAX_SKIPPED_KEYS = 2000;
export const MAX_FORWARD_JUMP = 25000;
export const MAX_SKIPPED_GROUP_KEYS = 2000;
export const MAX_SENDER_KEYS_PER_ROOM_SENDER = 5;
export const MAX_MESSAGES_PER_SENDER_KEY = 2000; // then rotate (GroupKeys.needsRotation)
export const MAX_SENDER_KEY_AGE_MS = 4 * 3600 * 1000; // then rotate, by the engine's clock
export const MAX_SENDER_KEY_ITERATION = 0xffffffff;
export const MAX_ONE_TIME_PREKEYS = 200;
export const MAX_OLD_SIGNED_PREKEYS = 3;
export const MAX_TEXT_BYTES = 8192;
export const MAX_CONTROL_DATA = 1024;
export const MAX_ROOM_ID_BYTES = 128;
export const MAX_CONTEXT_BYTES = 256;
export const MAX_PLAINTEXT_BYTES = 16384;
export const MAX_REPORT_NOTE_BYTES = 1024; // a reporter's note sealed with a report (reports.js)
export const MAX_REPORT_RECIPIENTS = 32; // most moderators one report is sealed to
export const MAX_CASE_NOTE_BYTES = 4000; // a counsellor's closing note (team.js)
export const MAX_CASE_ID_BYTES = 128;
export const MAX_HEADER_BYTES = 512;
export const MAX_BODY_BYTES = MAX_PLAINTEXT_BYTES + 12 + 16 + 64;
export const PAD_BLOCK = 160;
export const SAFETY_ITERATIONS = 5200;
export const MAX_SESSIONS_PER_PEER = 3;
export const NONCE_LEN = 12;
export const TAG_LEN = 16;
export const SIG_LEN = 64;
export const KEY_LEN = 32;

/** The stable error codes of docs/crypto.md. */
export const CODES = Object.freeze([
  'malformed', 'unsupported_version', 'bad_padding', 'limit_exceeded', 'invalid_key',
  'bad_signature', 'decrypt_failed', 'replay', 'unknown_key', 'context_mismatch',
  'franking_mismatch', 'bad_state',
]);

/** Every e2ee failure: `code` is stable; the message names no key, plaintext or ciphertext. */
export class E2eeError extends Error {
  constructor(code, message = '') {
    super(message || code);
    this.name = 'E2eeError';
    this.code = code;
  }
}

export const fail = (code, message) => { throw new E2eeError(code, message); };

export const hex = bytesToHex;
export const ctEqual = (a, b) => a instanceof Uint8Array && b instanceof Uint8Array
  && constantTimeEqual(a, b);
export const b64e = b64encode;

/** Strict base64 decode with an exact or maximum length; 'malformed' otherwise. */
export function b64d(value, what, length = null, maxLen = null) {
  if (typeof value !== 'string') fail('malformed', `${what} must be a base64 string`);
  let out;
  try {
    out = b64decode(value);
  } catch (err) {
    fail('malformed', `${what} is not valid base64`);
  }
  if (length !== null && out.length !== length) fail('malformed', `${what} must be ${length} bytes`);
  if (maxLen !== null && out.length > maxLen) fail('malformed', `${what} longer than ${maxLen} bytes`);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of `text` within `limit` bytes. */
export function utf8(text, limit = Infinity, what = 'text') {
  if (typeof text !== 'string') fail('malformed', `${what} must be a string`);
  const out = encoder.encode(text);
  if (out.length > limit) fail('malformed', `${what} longer than ${limit} bytes`);
  return out;
}

/** Strict UTF-8 decode. */
export function fromUtf8(bytes, what = 'text') {
  try {
    return decoder.decode(bytes);
  } catch (err) {
    return fail('malformed', `${what} is not UTF-8`);
  }
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u32be(v) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, v);
  return out;
}

/** A JSON field of the given type ('string', 'number' as an integer, 'object', 'array'). */
export function field(d, name, type) {
  if (!d || typeof d !== 'object' || !(name in d)) fail('malformed', `missing field ${name}`);
  const v = d[name];
  const ok = type === 'array' ? Array.isArray(v)
    : type === 'int' ? Number.isSafeInteger(v)
      : type === 'object' ? v !== null && typeof v === 'object' && !Array.isArray(v)
        : typeof v === type;
  if (!ok) fail('malformed', `field ${name} has the wrong type`);
  return v;
}

/** Append-only byte builder. */
export class Writer {
  constructor() {
    this.parts = [];
  }

  int(v, n) {
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** (8 * n)) fail('malformed', 'integer out of range');
    const out = new Uint8Array(n);
    const view = new DataView(out.buffer);
    if (n === 1) view.setUint8(0, v);
    else if (n === 2) view.setUint16(0, v);
    else if (n === 4) view.setUint32(0, v);
    else view.setBigUint64(0, BigInt(v));
    this.parts.push(out);
    return this;
  }

  u8(v) { return this.int(v, 1); }

  u16(v) { return this.int(v, 2); }

  u32(v) { return this.int(v, 4); }

  u64(v) { return this.int(v, 8); }

  raw(b) {
    this.parts.push(Uint8Array.from(b));
    return this;
  }

  var8(b) {
    if (b.length > 0xff) fail('malformed', 'field too long for a u8 length');
    return this.u8(b.length).raw(b);
  }

  var16(b) {
    if (b.length > 0xffff) fail('malformed', 'field too long for a u16 length');
    return this.u16(b.length).raw(b);
  }

  var32(b) {
    return this.u32(b.length).raw(b);
  }

  bytes() {
    return concat(...this.parts);
  }
}

/** Cursor over bytes; every read checks bounds. */
export class Reader {
  constructor(data) {
    if (!(data instanceof Uint8Array)) fail('malformed', 'bytes expected');
    this.data = data;
    this.pos = 0;
  }

  take(n) {
    if (n < 0 || this.pos + n > this.data.length) fail('malformed', 'truncated input');
    const out = this.data.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  int(n) {
    const b = this.take(n);
    const view = new DataView(b.buffer);
    if (n === 1) return view.getUint8(0);
    if (n === 2) return view.getUint16(0);
    if (n === 4) return view.getUint32(0);
    const big = view.getBigUint64(0);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) fail('malformed', 'integer too large');
    return Number(big);
  }

  u8() { return this.int(1); }

  u16() { return this.int(2); }

  u32() { return this.int(4); }

  u64() { return this.int(8); }

  var8(limit = 0xff) {
    const n = this.u8();
    if (n > limit) fail('malformed', 'field longer than its limit');
    return this.take(n);
  }

  var16(limit = 0xffff) {
    const n = this.u16();
    if (n > limit) fail('malformed', 'field longer than its limit');
    return this.take(n);
  }

  var32(limit) {
    const n = this.u32();
    if (n > limit) fail('malformed', 'field longer than its limit');
    return this.take(n);
  }

  remaining() {
    return this.data.length - this.pos;
  }

  version(expected = PROTOCOL_VERSION) {
    const v = this.u8();
    if (v !== expected) fail('unsupported_version', `version ${v} not supported`);
  }

  end() {
    if (this.pos !== this.data.length) fail('malformed', 'trailing bytes');
  }
}
