/**
 * 1:1 sessions: X3DH to start, the Double Ratchet after, franked text (docs/crypto.md 4-5,
 * e2ee/session.py and e2ee/direct.py).
 *
 *   body = nonce (12) || AES-256-GCM(key, nonce, padded content, ad = AD || header as sent)
 *
 * Every decrypt works on a copy of the state and keeps it only when everything (AEAD, padding,
 * content, franking) checked out. Several sessions per peer are kept (newest first) because both
 * sides may start one at once; one that decrypts is promoted so both sides converge.
 */

import { decodeContent, encodeContent, newTextContent } from './content.js';
import {
  concat, ctEqual, E2eeError, fail, hex, MAX_SESSIONS_PER_PEER, NONCE_LEN, TAG_LEN, u32be,
} from './bytes.js';
import { KIND_MSG, KIND_PREKEY, outgoing } from './envelopes.js';
import { DIRECT_CONTEXT, frankingOpening, makeCommitment } from './franking.js';
import { aeadDecrypt, aeadEncrypt, draw, x25519KeyPair } from './keys.js';
import {
  decodeRatchetHeader, encodeRatchetHeader, messageAeadKey, RatchetState, ratchetHeader,
} from './ratchet.js';
import {
  associatedData, decodePrekeyHeader, initiatorOutputs, NO_ONE_TIME_PREKEY, prekeyPrefix,
  responderSecret, sharedSecret,
} from './x3dh.js';

/** Franking message_ref of a 1:1 message: recipient identity || ratchet key || u32 n. */
export const directMessageRef = (recipientKey, ratchetKey, n) => concat(recipientKey, ratchetKey, u32be(n));

/** One Double Ratchet session with one remote device. */
export class Session {
  constructor(f) {
    this.localKey = f.localKey;
    this.remoteKey = f.remoteKey;
    this.ad = f.ad;
    this.baseKey = f.baseKey;
    this.state = f.state instanceof RatchetState ? f.state : new RatchetState(f.state);
    this.pendingPrekey = f.pendingPrekey || null;
  }

  /** Start from a verified bundle: draws EKa then the first ratchet key (64 bytes). */
  static async initiate(account, bundle, rng = null, trace = null) {
    const ek = await x25519KeyPair(rng);
    const outs = await initiatorOutputs(account.dh.priv, ek.priv, bundle.dhKey, bundle.signedPrekey, bundle.oneTimePrekey);
    const sk = await sharedSecret(outs);
    if (trace) Object.assign(trace, { dh: outs, sk });
    const state = await RatchetState.initiator(sk, bundle.signedPrekey, rng);
    const pendingPrekey = prekeyPrefix({
      identityKey: account.identityKey, dhKey: account.dh.pub, dhSig: account.dhSig, baseKey: ek.pub,
      signedPrekeyId: bundle.signedPrekeyId, oneTimePrekeyId: bundle.oneTimePrekeyId || NO_ONE_TIME_PREKEY,
    });
    const ad = associatedData(account.identityKey, account.dh.pub, bundle.identityKey, bundle.dhKey);
    return new Session({ localKey: account.identityKey, remoteKey: bundle.identityKey, ad, baseKey: ek.pub, state, pendingPrekey });
  }

  /** Bob: a session from a prekey message, and its content; the one-time prekey is consumed
   * from `account` only after the message decrypted. */
  static async accept(account, header, body, senderKey = null, commitment = null) {
    const ph = await decodePrekeyHeader(header);
    if (senderKey && !ctEqual(senderKey, ph.identityKey)) fail('context_mismatch', 'prekey header identity differs from the envelope sender');
    const spk = account.signedPrekey(ph.signedPrekeyId);
    const otpk = ph.oneTimePrekeyId !== NO_ONE_TIME_PREKEY ? account.oneTimePrekey(ph.oneTimePrekeyId) : null;
    const sk = await responderSecret(account.dh.priv, spk.priv, otpk && otpk.priv, ph.dhKey, ph.baseKey);
    const ad = associatedData(ph.identityKey, ph.dhKey, account.identityKey, account.dh.pub);
    const session = new Session({
      localKey: account.identityKey, remoteKey: ph.identityKey, ad, baseKey: ph.baseKey,
      state: RatchetState.responder(sk, { priv: spk.priv, pub: spk.pub, sealed: spk.sealed }),
    });
    const content = await session.decryptWith(header, ph.ratchet, body, commitment);
    if (ph.oneTimePrekeyId !== NO_ONE_TIME_PREKEY) account.consumeOneTimePrekey(ph.oneTimePrekeyId);
    return { session, content, ratchet: ph.ratchet };
  }

  /** Encrypt one content; text gets a franking commitment in the header. */
  async encrypt(content, rng = null) {
    const state = this.state.clone();
    const { mk, ratchetKey, pn, n } = await state.nextSendKey(rng);
    let commitment = null;
    if (content.type === 'text') {
      commitment = await makeCommitment(content.frankingKey, DIRECT_CONTEXT, this.localKey,
        directMessageRef(this.remoteKey, ratchetKey, n), content.text);
    }
    let header = encodeRatchetHeader(ratchetHeader(ratchetKey, pn, n, commitment));
    let kind = KIND_MSG;
    if (this.pendingPrekey) {
      header = concat(this.pendingPrekey, header);
      kind = KIND_PREKEY;
    }
    const plaintext = encodeContent(content);
    const nonce = await draw(rng, NONCE_LEN);
    const ct = await aeadEncrypt(await messageAeadKey(mk), nonce, plaintext, concat(this.ad, header));
    this.state = state; // the chain position moves before the message leaves
    return outgoing(kind, header, concat(nonce, ct), commitment);
  }

  /** Decrypt a `msg` or `prekey` message of this session: {content, ratchet}. */
  async decrypt(kind, header, body, commitment = null) {
    let rh;
    if (kind === KIND_PREKEY) {
      const ph = await decodePrekeyHeader(header);
      if (!ctEqual(ph.baseKey, this.baseKey)) fail('context_mismatch', 'prekey message belongs to another session');
      rh = ph.ratchet;
    } else if (kind === KIND_MSG) {
      rh = decodeRatchetHeader(header);
    } else {
      fail('malformed', 'not a 1:1 kind');
    }
    return { content: await this.decryptWith(header, rh, body, commitment), ratchet: rh };
  }

  async decryptWith(header, rh, body, commitment) {
    if (body.length < NONCE_LEN + TAG_LEN) fail('malformed', 'body too short');
    const state = this.state.clone();
    const mk = await state.receiveKey(rh);
    const plaintext = await aeadDecrypt(await messageAeadKey(mk), body.slice(0, NONCE_LEN),
      body.slice(NONCE_LEN), concat(this.ad, header));
    const content = decodeContent(plaintext);
    if (commitment && !(rh.commitment && ctEqual(rh.commitment, commitment))) {
      fail('context_mismatch', "envelope commitment differs from the header's");
    }
    if (content.type === 'text') {
      if (!rh.commitment) fail('franking_mismatch', 'text without a franking commitment');
      const expected = await makeCommitment(content.frankingKey, DIRECT_CONTEXT, this.remoteKey,
        directMessageRef(this.localKey, rh.ratchetKey, rh.n), content.text);
      if (!ctEqual(expected, rh.commitment)) fail('franking_mismatch', 'franking commitment does not match');
    } else if (rh.commitment) {
      fail('context_mismatch', 'commitment on a non-text message');
    }
    this.state = state;
    this.pendingPrekey = null; // the peer answered: X3DH data no longer needed
    return content;
  }

  toRecord() {
    return {
      localKey: this.localKey, remoteKey: this.remoteKey, ad: this.ad, baseKey: this.baseKey,
      state: this.state.toRecord(), pendingPrekey: this.pendingPrekey,
    };
  }

  toString() {
    return `Session(${this.state})`;
  }
}

/** 1:1 encryption for one account, sessions kept per remote identity key (newest first). */
export class DirectSessions {
  constructor(account, records = []) {
    this.account = account;
    this.sessions = new Map(); // hex(remote key) -> [Session]
    for (const r of records) {
      const s = new Session(r);
      const k = hex(s.remoteKey);
      this.sessions.set(k, [...(this.sessions.get(k) || []), s]);
    }
  }

  get(remoteKey) {
    return [...(this.sessions.get(hex(remoteKey)) || [])];
  }

  hasSession(remoteKey) {
    return this.get(remoteKey).length > 0;
  }

  /** X3DH from a verified bundle; the new session becomes the current one. */
  async start(bundle, rng = null, trace = null) {
    const session = await Session.initiate(this.account, bundle, rng, trace);
    this.promote(session.remoteKey, session);
    return session;
  }

  /** Encrypt with the current session ('bad_state' if none). */
  async encrypt(remoteKey, content, rng = null) {
    const [current] = this.get(remoteKey);
    if (!current) fail('bad_state', 'no session with this peer');
    return current.encrypt(content, rng);
  }

  async encryptText(remoteKey, text, rng = null) {
    return this.encrypt(remoteKey, await newTextContent(text, rng), rng);
  }

  /** Decrypt a direct envelope: {content, senderKey, opening}. Nothing changes on failure. */
  async decrypt(env) {
    const sessions = this.get(env.senderKey);
    if (env.kind === KIND_PREKEY) {
      const ph = await decodePrekeyHeader(env.header);
      for (const s of sessions) {
        if (ctEqual(s.baseKey, ph.baseKey)) {
          const { content } = await s.decrypt(env.kind, env.header, env.body, env.commitment);
          this.promote(env.senderKey, s);
          return this.received(env, content, ph.ratchet);
        }
      }
      const { session, content } = await Session.accept(this.account, env.header, env.body, env.senderKey, env.commitment);
      this.promote(env.senderKey, session);
      return this.received(env, content, ph.ratchet);
    }
    if (env.kind !== KIND_MSG) fail('malformed', 'not a 1:1 kind');
    const rh = decodeRatchetHeader(env.header);
    if (!sessions.length) fail('unknown_key', 'no session with this sender');
    let firstError = null;
    for (const s of sessions) {
      try {
        const { content } = await s.decrypt(env.kind, env.header, env.body, env.commitment);
        this.promote(env.senderKey, s);
        return this.received(env, content, rh);
      } catch (err) {
        if (!(err instanceof E2eeError)) throw err;
        firstError = firstError || err;
      }
    }
    throw firstError;
  }

  promote(remoteKey, session) {
    const rest = this.get(remoteKey).filter((s) => s !== session);
    this.sessions.set(hex(remoteKey), [session, ...rest].slice(0, MAX_SESSIONS_PER_PEER));
  }

  received(env, content, rh) {
    let opening = null;
    if (content.type === 'text' && rh.commitment) {
      opening = frankingOpening({
        text: content.text, frankingKey: content.frankingKey, commitment: rh.commitment,
        context: DIRECT_CONTEXT, senderKey: env.senderKey,
        messageRef: directMessageRef(this.account.identityKey, rh.ratchetKey, rh.n),
        room: DIRECT_CONTEXT, ts: env.ts, stamp: env.stamp,
      });
    }
    return { content, senderKey: env.senderKey, opening };
  }

  toRecords() {
    return [...this.sessions.values()].flat().map((s) => s.toRecord());
  }

  toString() {
    return `DirectSessions(peers=${this.sessions.size})`;
  }
}
