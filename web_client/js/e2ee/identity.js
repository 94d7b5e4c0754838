/**
 * Device account and the key directory (docs/crypto.md section 2, e2ee/identity.py).
 *
 * The identity key (Ed25519) belongs to web_client/js/identity/store.js: this module only asks
 * it to sign, through a signer {publicKey, sign(message)}. The account adds the X25519 DH key
 * vouched for by `dh_sig`, the signed prekeys and the one-time prekeys. Every private key here is
 * a non-extractable CryptoKey (pairs {priv, pub}), and the account persists as a structured-clone
 * record (IndexedDB keeps CryptoKeys without ever exposing their bytes).
 */

import {
  b64d, b64e, concat, fail, field, hex, MAX_OLD_SIGNED_PREKEYS, MAX_ONE_TIME_PREKEYS, Reader,
  u32be,
} from './bytes.js';
import { ed25519FromSeed, ed25519Verify, signerOf, x25519FromRaw, x25519KeyPair } from './keys.js';

const enc = new TextEncoder();
export const AUTH_LABEL = enc.encode('iltapiiri/auth/v2\u0000');
export const DH_KEY_LABEL = enc.encode('iltapiiri/dh-key/v1\u0000');
export const SIGNED_PREKEY_LABEL = enc.encode('iltapiiri/signed-prekey/v1\u0000');
export const ERASE_LABEL = enc.encode('iltapiiri/erase/v1\u0000');
export const ACCOUNT_RECORD_VERSION = 1;

/** auth v2: label || server key (32, from hello) || challenge || identity key (e2ee/identity.py). */
export const authMessage = (challenge, identityKey, serverKey) =>
  concat(AUTH_LABEL, serverKey, challenge, identityKey);
export const dhKeyMessage = (dhKey) => concat(DH_KEY_LABEL, dhKey);
/** identity.erase: label || server key (32) || challenge || identity key (e2ee/erase.py). */
export const eraseMessage = (challenge, identityKey, serverKey) =>
  concat(ERASE_LABEL, serverKey, challenge, identityKey);
export const signedPrekeyMessage = (id, key) => concat(SIGNED_PREKEY_LABEL, u32be(id), key);

/** Printable id of a public key for logs: the first 4 bytes of its SHA-256 (async). */
export async function keyId(publicKey) {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', publicKey)).slice(0, 4));
}

/** A device's identity signer, DH key and prekeys. */
export class Account {
  constructor(signer, dh, dhSig) {
    this.signer = signer;
    this.dh = dh; // {priv, pub}
    this.dhSig = dhSig;
    this.nextId = 1;
    this.signed = []; // [{id, priv, pub}], newest first
    this.oneTime = new Map(); // id -> {priv, pub}, insertion order = age
    this.signedMadeAt = null; // wall-clock ms the newest signed prekey was made; null = unknown
  }

  get identityKey() {
    return this.signer.publicKey;
  }

  /**
   * A new account. With `signer` (the browser's identity) it draws the DH key then the signed
   * prekey; without one (test vectors only) it first draws the Ed25519 seed, as
   * e2ee.Account.create does.
   */
  static async create({ signer = null, rng = null } = {}) {
    let s = signer;
    if (!s) {
      if (!rng) fail('bad_state', 'an account needs an identity signer');
      s = signerOf(await ed25519FromSeed(await rng(32)));
    }
    const dh = await x25519KeyPair(rng);
    const account = new Account(s, dh, await s.sign(dhKeyMessage(dh.pub)));
    await account.rotateSignedPrekey(rng);
    return account;
  }

  newId() {
    const id = this.nextId;
    this.nextId = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  /** A new signed prekey (a few old ones kept for in-flight first messages); its id. */
  async rotateSignedPrekey(rng = null) {
    const id = this.newId();
    this.signed.unshift({ id, ...(await x25519KeyPair(rng)) });
    this.signed.length = Math.min(this.signed.length, 1 + MAX_OLD_SIGNED_PREKEYS);
    return id;
  }

  /** `count` new one-time prekeys; the oldest are evicted beyond the limit. */
  async generateOneTimePrekeys(count, rng = null) {
    if (!Number.isInteger(count) || count < 0 || count > MAX_ONE_TIME_PREKEYS) fail('malformed', 'one-time prekey count out of range');
    const ids = [];
    for (let i = 0; i < count; i += 1) {
      const id = this.newId();
      this.oneTime.set(id, await x25519KeyPair(rng));
      ids.push(id);
    }
    while (this.oneTime.size > MAX_ONE_TIME_PREKEYS) this.oneTime.delete(this.oneTime.keys().next().value);
    return ids;
  }

  /** The `keys.publish` request with `n` fresh one-time prekeys (docs/protocol.md). */
  async keysPublish(n = 20, rng = null) {
    if (!this.signed.length) await this.rotateSignedPrekey(rng);
    const ids = await this.generateOneTimePrekeys(n, rng);
    const spk = this.signed[0];
    return {
      dh_key: b64e(this.dh.pub),
      dh_sig: b64e(this.dhSig),
      signed_prekey: { id: spk.id, key: b64e(spk.pub), sig: b64e(await this.signer.sign(signedPrekeyMessage(spk.id, spk.pub))) },
      one_time_prekeys: ids.map((id) => ({ id, key: b64e(this.oneTime.get(id).pub) })),
    };
  }

  signedPrekey(id) {
    const found = this.signed.find((s) => s.id === id);
    if (!found) fail('unknown_key', 'unknown signed prekey');
    return found;
  }

  oneTimePrekey(id) {
    const found = this.oneTime.get(id);
    if (!found) fail('unknown_key', 'unknown or used one-time prekey');
    return found;
  }

  consumeOneTimePrekey(id) {
    this.oneTime.delete(id);
  }

  /** Structured-clone record for IndexedDB (CryptoKeys stay non-extractable). */
  toRecord() {
    return {
      version: ACCOUNT_RECORD_VERSION, identityKey: this.identityKey, dh: this.dh, dhSig: this.dhSig,
      nextId: this.nextId, signed: this.signed, oneTime: [...this.oneTime.entries()],
      signedMadeAt: this.signedMadeAt,
    };
  }

  static fromRecord(record, signer) {
    if (!record || record.version !== ACCOUNT_RECORD_VERSION) fail('malformed', 'account record version');
    const account = new Account(signer, record.dh, record.dhSig);
    account.nextId = record.nextId;
    account.signed = record.signed;
    account.oneTime = new Map(record.oneTime);
    // Records from before rotation have no date: the engine counts their age from now.
    account.signedMadeAt = Number.isFinite(record.signedMadeAt) ? record.signedMadeAt : null;
    return account;
  }

  /** Import e2ee.Account.to_bytes() (test vectors and moving a Python keystore). */
  static async fromBytes(data) {
    const r = new Reader(data);
    r.version();
    if (r.u8() !== 0x11) fail('malformed', 'not an account');
    r.version();
    if (r.u8() !== 0x10) fail('malformed', 'not a device identity');
    const signer = signerOf(await ed25519FromSeed(r.take(32)));
    const dh = await x25519FromRaw(r.take(32));
    const account = new Account(signer, dh, await signer.sign(dhKeyMessage(dh.pub)));
    account.nextId = r.u32();
    const n = r.u8();
    if (n > 1 + MAX_OLD_SIGNED_PREKEYS) fail('malformed', 'too many signed prekeys');
    for (let i = 0; i < n; i += 1) {
      const id = r.u32();
      account.signed.push({ id, ...(await x25519FromRaw(r.take(32))) });
    }
    const m = r.u16();
    if (m > MAX_ONE_TIME_PREKEYS) fail('malformed', 'too many one-time prekeys');
    for (let i = 0; i < m; i += 1) {
      const id = r.u32();
      account.oneTime.set(id, await x25519FromRaw(r.take(32)));
    }
    r.end();
    return account;
  }

  toString() {
    return `Account(signed_prekeys=${this.signed.length}, one_time_prekeys=${this.oneTime.size})`;
  }
}

function u32Field(v, what) {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) fail('malformed', `${what} out of range`);
  return v;
}

/** Decode a `keys.fetch` reply and verify dh_sig and the signed prekey's sig. */
export async function bundleFromFetch(reply) {
  const pseudonym = field(reply, 'pseudonym', 'string');
  const identityKey = b64d(field(reply, 'identity_key', 'string'), 'identity_key', 32);
  const dhKey = b64d(field(reply, 'dh_key', 'string'), 'dh_key', 32);
  const dhSig = b64d(field(reply, 'dh_sig', 'string'), 'dh_sig', 64);
  const spk = field(reply, 'signed_prekey', 'object');
  const signedPrekeyId = u32Field(field(spk, 'id', 'int'), 'signed_prekey.id');
  const signedPrekey = b64d(field(spk, 'key', 'string'), 'signed_prekey.key', 32);
  const spkSig = b64d(field(spk, 'sig', 'string'), 'signed_prekey.sig', 64);
  let oneTimePrekeyId = null;
  let oneTimePrekey = null;
  const otp = reply.one_time_prekey;
  if (otp !== null && otp !== undefined) {
    oneTimePrekeyId = u32Field(field(otp, 'id', 'int'), 'one_time_prekey.id');
    oneTimePrekey = b64d(field(otp, 'key', 'string'), 'one_time_prekey.key', 32);
  }
  await ed25519Verify(identityKey, dhSig, dhKeyMessage(dhKey));
  await ed25519Verify(identityKey, spkSig, signedPrekeyMessage(signedPrekeyId, signedPrekey));
  return { pseudonym, identityKey, dhKey, signedPrekeyId, signedPrekey, oneTimePrekeyId, oneTimePrekey };
}
