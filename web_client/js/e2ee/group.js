/**
 * Group sender keys per (room, epoch, sender) (docs/crypto.md section 6, e2ee/group.py and
 * e2ee/group_wire.py).
 *
 * Group header (kind "group"):
 *   +------+------+--------+------+-----------+--------------------------+
 *   | 0x01 | 0x03 | u8 len | room | u32 epoch | sender identity key (32) |
 *   +------+------+--------+------+-----------+--------------------------+
 *   | u32 key_id | u32 iteration | flags u8 | [commitment (32)]          |
 *   +------------+---------------+----------+----------------------------+
 *   mk, ck' = HMAC(ck, 0x01), HMAC(ck, 0x02); key = HKDF(mk, 32 zeros, "iltapiiri/group-msg/v1", 32)
 *   ct  = AES-256-GCM(key, nonce, padded content, ad = "iltapiiri/group/v1\0" || header)
 *   sig = Ed25519(signing key, "iltapiiri/group-sig/v1\0" || header || nonce || ct)
 *   body = nonce (12) || ct || sig (64)
 *
 * My sender key's signing key is a non-extractable CryptoKey; chain keys are raw bytes (HMAC
 * inputs). Receivers verify the signature before touching state and decrypt on a copy.
 */

import {
  concat, ctEqual, fail, fromUtf8, hex, MAX_FORWARD_JUMP, MAX_MESSAGES_PER_SENDER_KEY, MAX_ROOM_ID_BYTES,
  MAX_SENDER_KEY_AGE_MS, MAX_SENDER_KEY_ITERATION, MAX_SENDER_KEYS_PER_ROOM_SENDER, MAX_SKIPPED_GROUP_KEYS, NONCE_LEN,
  PROTOCOL_VERSION, Reader, SIG_LEN, TAG_LEN, u32be, utf8, Writer,
} from './bytes.js';
import {
  decodeContent, encodeContent, newTextContent, senderKeyDistribution, skdSignedBytes, skdVerify,
} from './content.js';
import { KIND_GROUP, outgoing } from './envelopes.js';
import { frankingOpening, makeCommitment } from './franking.js';
import {
  aeadDecrypt, aeadEncrypt, draw, ed25519KeyPair, ed25519Sign, ed25519Verify, hkdf,
} from './keys.js';
import { kdfCk } from './ratchet.js';

const enc = new TextEncoder();
export const GROUP_MSG_INFO = enc.encode('iltapiiri/group-msg/v1');
export const GROUP_AD_LABEL = enc.encode('iltapiiri/group/v1\u0000');
export const GROUP_SIG_LABEL = enc.encode('iltapiiri/group-sig/v1\u0000');
const GROUP_HEADER_TYPE = 0x03;
const FLAG_COMMITMENT = 0x01;

export const groupChainStep = kdfCk;
export const groupAeadKey = (mk) => hkdf(mk, new Uint8Array(32), GROUP_MSG_INFO, 32);
export const groupMessageRef = (epoch, keyId, iteration) => concat(u32be(epoch), u32be(keyId), u32be(iteration));

export function encodeGroupHeader(h) {
  const w = new Writer().u8(PROTOCOL_VERSION).u8(GROUP_HEADER_TYPE)
    .var8(utf8(h.room, MAX_ROOM_ID_BYTES, 'room')).u32(h.epoch).raw(h.senderKey)
    .u32(h.keyId).u32(h.iteration);
  if (!h.commitment) return w.u8(0).bytes();
  return w.u8(FLAG_COMMITMENT).raw(h.commitment).bytes();
}

export function decodeGroupHeader(data) {
  const r = new Reader(data);
  r.version();
  if (r.u8() !== GROUP_HEADER_TYPE) fail('malformed', 'not a group header');
  const room = fromUtf8(r.var8(MAX_ROOM_ID_BYTES), 'room');
  const epoch = r.u32();
  const senderKey = r.take(32);
  const keyId = r.u32();
  const iteration = r.u32();
  const flags = r.u8();
  if (flags & ~FLAG_COMMITMENT) fail('malformed', 'unknown header flags');
  const commitment = flags & FLAG_COMMITMENT ? r.take(32) : null;
  r.end();
  return { room, epoch, senderKey, keyId, iteration, commitment };
}

export const signatureInput = (header, nonce, ct) => concat(GROUP_SIG_LABEL, header, nonce, ct);

export function splitBody(body) {
  if (body.length < NONCE_LEN + TAG_LEN + SIG_LEN) fail('malformed', 'group body too short');
  return [body.slice(0, NONCE_LEN), body.slice(NONCE_LEN, body.length - SIG_LEN), body.slice(body.length - SIG_LEN)];
}

/** One sender key as held by its owner (signing.priv set) or a receiver (signing.priv null). */
function senderKeyState(f) {
  return {
    room: f.room, epoch: f.epoch, senderKey: f.senderKey, keyId: f.keyId, iteration: f.iteration,
    firstIteration: f.firstIteration, chainKey: f.chainKey, signing: f.signing,
    createdAt: Number.isFinite(f.createdAt) ? f.createdAt : 0, // a record from before: due now
    skipped: new Map(f.skipped || []),
  };
}

const cloneState = (st) => senderKeyState({ ...st, skipped: [...st.skipped.entries()] });

/** Receiver: the key for `iteration`, storing skipped keys; replays and gaps refused. */
async function messageKey(st, iteration) {
  if (iteration < st.iteration) {
    if (st.skipped.has(iteration)) {
      const mk = st.skipped.get(iteration);
      st.skipped.delete(iteration);
      return mk;
    }
    if (iteration < st.firstIteration) fail('unknown_key', 'message predates the sender key held');
    fail('replay', 'group message index already used');
  }
  if (iteration - st.iteration > MAX_FORWARD_JUMP) fail('limit_exceeded', 'group message jumps too far ahead');
  while (st.iteration < iteration) {
    const [mk, next] = await groupChainStep(st.chainKey);
    st.skipped.set(st.iteration, mk);
    st.chainKey = next;
    st.iteration += 1;
    if (st.skipped.size > MAX_SKIPPED_GROUP_KEYS) st.skipped.delete(st.skipped.keys().next().value);
  }
  const [mk, next] = await groupChainStep(st.chainKey);
  st.chainKey = next;
  st.iteration += 1;
  return mk;
}

const slotKey = (room, senderKey) => `${room}\n${hex(senderKey)}`;

/** All sender keys of one device: its own per room, and every received one. */
export class GroupKeys {
  constructor(signer, record = null) {
    this.signer = signer; // the identity: {publicKey, sign}
    this.mine = new Map(); // room -> state
    this.theirs = new Map(); // "room\nhex(sender)" -> Map(keyId -> state), oldest first
    if (record) {
      for (const st of record.mine) this.mine.set(st.room, senderKeyState(st));
      for (const st of record.theirs) {
        const k = slotKey(st.room, st.senderKey);
        if (!this.theirs.has(k)) this.theirs.set(k, new Map());
        this.theirs.get(k).set(st.keyId, senderKeyState(st));
      }
    }
  }

  /** Make (or rotate to) my sender key for (room, epoch): draws key_id 4, chain key 32, seed 32.
   * `nowMs` (the caller's clock) only feeds needsRotation. */
  async createSenderKey(room, epoch, rng = null, nowMs = 0) {
    if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffffffff) fail('malformed', 'epoch out of range');
    utf8(room, MAX_ROOM_ID_BYTES, 'room');
    const keyId = new DataView((await draw(rng, 4)).buffer).getUint32(0);
    const chainKey = await draw(rng, 32);
    const signing = await ed25519KeyPair(rng);
    this.mine.set(room, senderKeyState({
      room, epoch, senderKey: this.signer.publicKey, keyId, iteration: 0, firstIteration: 0, chainKey, signing,
      createdAt: nowMs,
    }));
    return this.distribution(room);
  }

  /** True if I have no key for `room`, or mine has sent `maxMessages` or is `maxAgeMs` old at
   * `nowMs`: make a new one and share it (departures rotate separately, always). */
  needsRotation(room, nowMs, { maxMessages = MAX_MESSAGES_PER_SENDER_KEY, maxAgeMs = MAX_SENDER_KEY_AGE_MS } = {}) {
    const st = this.mine.get(room);
    if (!st) return true;
    return st.iteration >= maxMessages || nowMs - st.createdAt >= maxAgeMs;
  }

  /** My current key for `room` at its current iteration, signed ('bad_state' if none). */
  async distribution(room) {
    const st = this.mine.get(room);
    if (!st) fail('bad_state', 'no sender key for this room');
    const d = senderKeyDistribution({
      room: st.room, epoch: st.epoch, senderKey: st.senderKey, keyId: st.keyId, iteration: st.iteration,
      chainKey: st.chainKey, signingKey: st.signing.pub,
    });
    d.signature = await this.signer.sign(skdSignedBytes(d));
    return d;
  }

  /** Encrypt and sign `content` for `room`; the chain moves only when everything succeeded. */
  async encrypt(room, content, rng = null) {
    const st = this.mine.get(room);
    if (!st || !st.signing.priv) fail('bad_state', 'no sender key for this room');
    if (st.iteration >= MAX_SENDER_KEY_ITERATION) fail('limit_exceeded', 'sender key exhausted: rotate');
    let commitment = null;
    if (content.type === 'text') {
      commitment = await makeCommitment(content.frankingKey, room, st.senderKey,
        groupMessageRef(st.epoch, st.keyId, st.iteration), content.text);
    }
    const header = encodeGroupHeader({ ...st, commitment });
    const plaintext = encodeContent(content);
    const [mk, next] = await groupChainStep(st.chainKey);
    const nonce = await draw(rng, NONCE_LEN);
    const ct = await aeadEncrypt(await groupAeadKey(mk), nonce, plaintext, concat(GROUP_AD_LABEL, header));
    const sig = await ed25519Sign(st.signing.priv, signatureInput(header, nonce, ct));
    st.chainKey = next;
    st.iteration += 1;
    return outgoing(KIND_GROUP, header, concat(nonce, ct, sig), commitment);
  }

  async encryptText(room, text, rng = null) {
    return this.encrypt(room, await newTextContent(text, rng), rng);
  }

  /**
   * Accept a distribution that came over the 1:1 session with `fromKey` (and, when given, for
   * `room` at `minEpoch` or later). False when this key id is already held: a re-sent
   * distribution never rewinds a chain.
   */
  async processDistribution(d, fromKey, { room = null, minEpoch = null } = {}) {
    if (!ctEqual(d.senderKey, fromKey)) fail('context_mismatch', 'distribution names another sender');
    if (room !== null && d.room !== room) fail('context_mismatch', 'distribution names another room');
    if (minEpoch !== null && d.epoch < minEpoch) fail('context_mismatch', 'distribution is for an older epoch');
    await skdVerify(d);
    const k = slotKey(d.room, d.senderKey);
    if (!this.theirs.has(k)) this.theirs.set(k, new Map());
    const slot = this.theirs.get(k);
    if (slot.has(d.keyId)) return false;
    slot.set(d.keyId, senderKeyState({
      room: d.room, epoch: d.epoch, senderKey: d.senderKey, keyId: d.keyId, iteration: d.iteration,
      firstIteration: d.iteration, chainKey: d.chainKey, signing: { priv: null, pub: d.signingKey },
    }));
    while (slot.size > MAX_SENDER_KEYS_PER_ROOM_SENDER) slot.delete(slot.keys().next().value);
    return true;
  }

  hasSenderKey(room, senderKey) {
    const slot = this.theirs.get(slotKey(room, senderKey));
    return Boolean(slot && slot.size);
  }

  /** Decrypt a group envelope against its server-stamped room and sender: {content, senderKey, opening}. */
  async decrypt(env) {
    if (env.kind !== KIND_GROUP) fail('malformed', 'not a group message');
    const h = decodeGroupHeader(env.header);
    if (h.room !== env.room || !ctEqual(h.senderKey, env.senderKey)) fail('context_mismatch', 'header room or sender differs from the envelope');
    if (env.commitment && !(h.commitment && ctEqual(h.commitment, env.commitment))) fail('context_mismatch', "envelope commitment differs from the header's");
    const slot = this.theirs.get(slotKey(h.room, h.senderKey));
    const st = slot && slot.get(h.keyId);
    if (!st) fail('unknown_key', 'no sender key for this room, sender and key id');
    if (h.epoch !== st.epoch) fail('context_mismatch', "epoch differs from the sender key's");
    const [nonce, ct, sig] = splitBody(env.body);
    await ed25519Verify(st.signing.pub, sig, signatureInput(env.header, nonce, ct));
    const work = cloneState(st);
    const mk = await messageKey(work, h.iteration);
    const content = decodeContent(await aeadDecrypt(await groupAeadKey(mk), nonce, ct, concat(GROUP_AD_LABEL, env.header)));
    let opening = null;
    if (content.type === 'text') {
      if (!h.commitment) fail('franking_mismatch', 'text without a franking commitment');
      const ref = groupMessageRef(h.epoch, h.keyId, h.iteration);
      const expected = await makeCommitment(content.frankingKey, h.room, h.senderKey, ref, content.text);
      if (!ctEqual(expected, h.commitment)) fail('franking_mismatch', 'franking commitment does not match');
      opening = frankingOpening({
        text: content.text, frankingKey: content.frankingKey, commitment: h.commitment, context: h.room,
        senderKey: h.senderKey, messageRef: ref, room: env.room, ts: env.ts, stamp: env.stamp,
      });
    } else if (content.type === 'sender_key') {
      fail('context_mismatch', 'sender keys travel only over 1:1');
    } else if (h.commitment) {
      fail('context_mismatch', 'commitment on a non-text message');
    }
    slot.set(h.keyId, work);
    return { content, senderKey: h.senderKey, opening };
  }

  forgetSender(room, senderKey) {
    this.theirs.delete(slotKey(room, senderKey));
  }

  dropRoom(room) {
    this.mine.delete(room);
    for (const k of [...this.theirs.keys()]) if (k.startsWith(`${room}\n`)) this.theirs.delete(k);
  }

  rooms() {
    return [...new Set([...this.mine.keys(), ...[...this.theirs.keys()].map((k) => k.split('\n')[0])])].sort();
  }

  /** Structured-clone record (IndexedDB). */
  toRecord() {
    const flat = (st) => ({ ...st, skipped: [...st.skipped.entries()] });
    return {
      mine: [...this.mine.values()].map(flat),
      theirs: [...this.theirs.values()].flatMap((slot) => [...slot.values()].map(flat)),
    };
  }

  toString() {
    return `GroupKeys(mine=${this.mine.size}, theirs=${this.theirs.size})`;
  }
}
