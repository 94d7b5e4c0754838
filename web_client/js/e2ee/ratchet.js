/**
 * Double Ratchet (docs/crypto.md section 5, e2ee/ratchet.py).
 *
 *   KDF_RK(rk, dh) = HKDF(ikm = dh, salt = rk, info = "iltapiiri/dr-root/v1", L = 64)
 *   KDF_CK(ck)     = mk = HMAC(ck, 0x01), ck' = HMAC(ck, 0x02)
 *   AEAD key       = HKDF(ikm = mk, salt = 32 zero bytes, info = "iltapiiri/dr-msg/v1", L = 32)
 *
 * Ratchet header (kind "msg"), 43 or 75 bytes:
 *   +------+------+------------------+--------+-------+----------+-------------------+
 *   | 0x01 | 0x02 | ratchet key (32) | u32 pn | u32 n | flags u8 | [commitment (32)] |
 *   +------+------+------------------+--------+-------+----------+-------------------+
 *
 * The sending DH step is lazy (decryption needs no randomness). The state's sending key pair
 * is a non-extractable CryptoKey; root and chain keys are raw bytes (they feed HKDF/HMAC).
 */

import {
  fail, hex, MAX_SKIP, MAX_SKIPPED_KEYS, PROTOCOL_VERSION, Reader, Writer,
} from './bytes.js';
import { hkdf, hmac, x25519, x25519KeyPair } from './keys.js';

const enc = new TextEncoder();
export const ROOT_INFO = enc.encode('iltapiiri/dr-root/v1');
export const MSG_INFO = enc.encode('iltapiiri/dr-msg/v1');
export const HEADER_TYPE = 0x02;
export const FLAG_COMMITMENT = 0x01;
const ONE = new Uint8Array([1]);
const TWO = new Uint8Array([2]);

export async function kdfRk(rootKey, dhOut) {
  const out = await hkdf(dhOut, rootKey, ROOT_INFO, 64);
  return [out.slice(0, 32), out.slice(32)];
}

/** (message key, next chain key); also the group chain step. */
export async function kdfCk(chainKey) {
  return [await hmac(chainKey, ONE), await hmac(chainKey, TWO)];
}

export const messageAeadKey = (mk) => hkdf(mk, new Uint8Array(32), MSG_INFO, 32);

/** A parsed ratchet header. */
export function ratchetHeader(ratchetKey, pn, n, commitment = null) {
  return { ratchetKey, pn, n, commitment };
}

export function encodeRatchetHeader(h) {
  const w = new Writer().u8(PROTOCOL_VERSION).u8(HEADER_TYPE).raw(h.ratchetKey).u32(h.pn).u32(h.n);
  if (h.commitment === null) return w.u8(0).bytes();
  return w.u8(FLAG_COMMITMENT).raw(h.commitment).bytes();
}

/** Read one ratchet header from `r` (the caller checks `end`). */
export function readRatchetHeader(r) {
  r.version();
  if (r.u8() !== HEADER_TYPE) fail('malformed', 'not a ratchet header');
  const ratchetKey = r.take(32);
  const pn = r.u32();
  const n = r.u32();
  const flags = r.u8();
  if (flags & ~FLAG_COMMITMENT) fail('malformed', 'unknown header flags');
  const commitment = flags & FLAG_COMMITMENT ? r.take(32) : null;
  return ratchetHeader(ratchetKey, pn, n, commitment);
}

export function decodeRatchetHeader(data) {
  const r = new Reader(data);
  const h = readRatchetHeader(r);
  r.end();
  return h;
}

const slot = (key, n) => `${hex(key)}:${n}`;

/** Mutable ratchet state; callers work on clone() and keep it only on success. */
export class RatchetState {
  constructor(f) {
    this.rootKey = f.rootKey;
    this.dhs = f.dhs; // {priv, pub}
    this.dhr = f.dhr || null;
    this.cks = f.cks || null;
    this.ckr = f.ckr || null;
    this.ns = f.ns || 0;
    this.nr = f.nr || 0;
    this.pn = f.pn || 0;
    this.sendPending = Boolean(f.sendPending);
    this.skipped = new Map(f.skipped || []); // "hex(ratchet key):n" -> message key, oldest first
  }

  /** Alice: first sending chain from a fresh key pair against Bob's signed prekey. */
  static async initiator(sharedSecret, remoteRatchetKey, rng = null) {
    const dhs = await x25519KeyPair(rng);
    const [rootKey, cks] = await kdfRk(sharedSecret, await x25519(dhs.priv, remoteRatchetKey));
    return new RatchetState({ rootKey, dhs, dhr: remoteRatchetKey, cks });
  }

  /** Bob: his signed prekey is the first ratchet key pair; he receives first. */
  static responder(sharedSecret, signedPrekey) {
    return new RatchetState({ rootKey: sharedSecret, dhs: signedPrekey });
  }

  clone() {
    return new RatchetState(this.toRecord());
  }

  /** Advance the sending chain: {mk, ratchetKey, pn, n}. */
  async nextSendKey(rng = null) {
    if (this.sendPending) {
      if (!this.dhr) fail('bad_state', 'no remote ratchet key');
      this.dhs = await x25519KeyPair(rng);
      [this.rootKey, this.cks] = await kdfRk(this.rootKey, await x25519(this.dhs.priv, this.dhr));
      this.pn = this.ns;
      this.ns = 0;
      this.sendPending = false;
    }
    if (!this.cks) fail('bad_state', 'no sending chain yet: receive a message first');
    if (this.ns >= 0xffffffff) fail('limit_exceeded', 'sending chain exhausted');
    const [mk, next] = await kdfCk(this.cks);
    this.cks = next;
    const n = this.ns;
    this.ns += 1;
    return { mk, ratchetKey: this.dhs.pub, pn: this.pn, n };
  }

  /** Message key for a received header, doing DH steps and storing skipped keys. */
  async receiveKey(h) {
    const s = slot(h.ratchetKey, h.n);
    if (this.skipped.has(s)) {
      const mk = this.skipped.get(s);
      this.skipped.delete(s);
      return mk;
    }
    if (!this.dhr || hex(h.ratchetKey) !== hex(this.dhr)) {
      if (this.ckr) await this.skip(h.pn);
      this.dhr = h.ratchetKey;
      [this.rootKey, this.ckr] = await kdfRk(this.rootKey, await x25519(this.dhs.priv, this.dhr));
      this.nr = 0;
      this.sendPending = true;
    }
    if (h.n < this.nr) fail('replay', 'message index already used');
    await this.skip(h.n);
    if (!this.ckr) fail('bad_state', 'no receiving chain');
    const [mk, next] = await kdfCk(this.ckr);
    this.ckr = next;
    this.nr += 1;
    return mk;
  }

  async skip(until) {
    if (!this.ckr) return;
    if (until - this.nr > MAX_SKIP) fail('limit_exceeded', 'too many skipped messages');
    while (this.nr < until) {
      const [mk, next] = await kdfCk(this.ckr);
      this.ckr = next;
      this.skipped.set(slot(this.dhr, this.nr), mk);
      this.nr += 1;
      if (this.skipped.size > MAX_SKIPPED_KEYS) this.skipped.delete(this.skipped.keys().next().value);
    }
  }

  /** Structured-clone record (IndexedDB). */
  toRecord() {
    return {
      rootKey: this.rootKey, dhs: this.dhs, dhr: this.dhr, cks: this.cks, ckr: this.ckr,
      ns: this.ns, nr: this.nr, pn: this.pn, sendPending: this.sendPending,
      skipped: [...this.skipped.entries()],
    };
  }

  toString() {
    return `RatchetState(ns=${this.ns}, nr=${this.nr}, pn=${this.pn}, skipped=${this.skipped.size})`;
  }
}
