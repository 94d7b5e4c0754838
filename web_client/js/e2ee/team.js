/**
 * The counsellor team key and closing notes (e2ee/team.py, docs/crypto.md section 7.2), byte for
 * byte the Python core's, replayed against tests/vectors/iltapiiri_team.json:
 *
 *   wrap: k   = HKDF-SHA256(X25519(eph, dh_key), salt "", WRAP_LABEL | eph | dh_key | to, 32)
 *         ad  = WRAP_LABEL | u32 epoch | team_pub
 *         box = AES-256-GCM(k, 0^12, version | 0x60 | team_priv 32, ad)
 *         sig = Ed25519(by, WRAP_SIG_LABEL | u32 epoch | team_pub | to | eph | box)
 *   note: version | 0x61 | u32 epoch | eph 32 | AES-256-GCM(k, 0^12, pad(version | 0x62 | var16 text), ad)
 *         k  = HKDF-SHA256(X25519(eph, team_pub), salt "", NOTE_LABEL | eph | team_pub | u32 epoch, 32)
 *         ad = NOTE_LABEL | var8(case_id)
 *
 * A team key here is {epoch, raw (the 32 private bytes, kept in memory to grant it to
 * colleagues), priv (CryptoKey), pub}. Notes are sealed to the pub derived from raw, never to a
 * key the server names.
 */

import {
  b64d, b64e, ctEqual, fail, fromUtf8, MAX_CASE_ID_BYTES, MAX_CASE_NOTE_BYTES, PROTOCOL_VERSION, Reader, utf8, Writer,
} from './bytes.js';
import { pad, unpad } from './content.js';
import { aeadDecrypt, aeadEncrypt, draw, ed25519Verify, hkdf, x25519, x25519FromRaw, x25519KeyPair } from './keys.js';

const enc = (s) => new TextEncoder().encode(s);
export const WRAP_LABEL = enc('iltapiiri/team-wrap/v1\u0000');
export const WRAP_SIG_LABEL = enc('iltapiiri/team-wrap-sig/v1\u0000');
export const NOTE_LABEL = enc('iltapiiri/case-note/v1\u0000');
export { MAX_CASE_ID_BYTES, MAX_CASE_NOTE_BYTES };
const WRAP_TAG = 0x60;
const NOTE_TAG = 0x61;
const NOTE_PLAIN_TAG = 0x62;
const NONCE = new Uint8Array(12);
const EMPTY = new Uint8Array(0);

function epochOf(e) {
  if (!Number.isInteger(e) || e < 1 || e > 0xffffffff) fail('malformed', 'team key epoch must be 1..2^32-1');
  return e;
}

/** A team key from its 32 private bytes. */
export async function teamKeyFromRaw(epoch, raw) {
  const pair = await x25519FromRaw(raw);
  return { epoch: epochOf(epoch), raw: raw.slice(), priv: pair.priv, pub: pair.pub };
}

/** A fresh team key for `epoch` (32 bytes from `rng`, or the CSPRNG). */
export async function createTeamKey(epoch, rng = null) {
  const raw = rng ? await draw(rng, 32) : globalThis.crypto.getRandomValues(new Uint8Array(32));
  return teamKeyFromRaw(epoch, raw);
}

const wrapAd = (epoch, teamPub) => new Writer().raw(WRAP_LABEL).u32(epoch).raw(teamPub).bytes();
const wrapSigned = (epoch, teamPub, to, eph, box) => new Writer().raw(WRAP_SIG_LABEL).u32(epoch)
  .raw(teamPub).raw(to).raw(eph).raw(box).bytes();
const wrapKey = (shared, eph, dhKey, to) => hkdf(shared, EMPTY, new Writer().raw(WRAP_LABEL).raw(eph).raw(dhKey).raw(to).bytes(), 32);

/** Seal `key` to {to, dhKey} (the caller checked dhKey's signature by `to`); `maker` is
 * {publicKey, sign(message)}. The wire form {epoch, team_key, to, by, eph, box, sig}. */
export async function wrapTeamKey(key, { to, dhKey, maker, rng = null }) {
  if (to.length !== 32 || dhKey.length !== 32) fail('malformed', 'recipient keys must be 32 bytes');
  const eph = await x25519KeyPair(rng);
  const k = await wrapKey(await x25519(eph.priv, dhKey), eph.pub, dhKey, to);
  const box = await aeadEncrypt(k, NONCE, new Writer().u8(PROTOCOL_VERSION).u8(WRAP_TAG).raw(key.raw).bytes(),
    wrapAd(key.epoch, key.pub));
  const sig = await maker.sign(wrapSigned(key.epoch, key.pub, to, eph.pub, box));
  return { epoch: key.epoch, team_key: b64e(key.pub), to: b64e(to), by: b64e(maker.publicKey),
    eph: b64e(eph.pub), box: b64e(box), sig: b64e(sig) };
}

/** Open my wrap: `me` is {identityKey, dhKey, dhPriv}; `makers` the team's identity keys (b64
 * strings). Throws 'decrypt_failed', 'bad_signature', 'invalid_key' as e2ee/team.py does. */
export async function openWrap(me, wire, makers) {
  const epoch = epochOf(wire.epoch);
  const teamPub = b64d(wire.team_key, 'team_key', 32);
  const to = b64d(wire.to, 'to', 32);
  const by = b64d(wire.by, 'by', 32);
  const eph = b64d(wire.eph, 'eph', 32);
  const box = b64d(wire.box, 'box', 50);
  const sig = b64d(wire.sig, 'sig', 64);
  if (!makers.has(b64e(by))) fail('decrypt_failed', 'this wrap was made outside the team');
  await ed25519Verify(by, sig, wrapSigned(epoch, teamPub, to, eph, box));
  if (!ctEqual(to, me.identityKey)) fail('decrypt_failed', 'this wrap is sealed to another counsellor');
  const k = await wrapKey(await x25519(me.dhPriv, eph), eph, me.dhKey, to);
  const r = new Reader(await aeadDecrypt(k, NONCE, box, wrapAd(epoch, teamPub)));
  r.version();
  if (r.u8() !== WRAP_TAG) fail('malformed', 'not a team key wrap');
  const raw = r.take(32);
  r.end();
  const key = await teamKeyFromRaw(epoch, raw);
  if (!ctEqual(key.pub, teamPub)) fail('invalid_key', 'the wrapped key is not the named team key');
  return key;
}

function caseIdBytes(caseId) {
  if (typeof caseId !== 'string' || !caseId || caseId.length > MAX_CASE_ID_BYTES
      || [...caseId].some((c) => c.charCodeAt(0) > 0x7f)) {
    fail('malformed', 'case id must be ASCII, 1..128 bytes');
  }
  return enc(caseId);
}

const noteAd = (caseId) => new Writer().raw(NOTE_LABEL).var8(caseIdBytes(caseId)).bytes();
const noteKey = (shared, eph, teamPub, epoch) => hkdf(shared, EMPTY,
  new Writer().raw(NOTE_LABEL).raw(eph).raw(teamPub).u32(epoch).bytes(), 32);

/** Seal a closing note of `caseId` to team key `key` (one I opened). The stored bytes. */
export async function sealNote(text, { caseId, key, rng = null }) {
  const ad = noteAd(caseId);
  const eph = await x25519KeyPair(rng);
  const plain = pad(new Writer().u8(PROTOCOL_VERSION).u8(NOTE_PLAIN_TAG).var16(utf8(text, MAX_CASE_NOTE_BYTES, 'note')).bytes());
  const box = await aeadEncrypt(await noteKey(await x25519(eph.priv, key.pub), eph.pub, key.pub, key.epoch), NONCE, plain, ad);
  return new Writer().u8(PROTOCOL_VERSION).u8(NOTE_TAG).u32(key.epoch).raw(eph.pub).raw(box).bytes();
}

/** Open a stored note of `caseId` with my team keys (Map epoch -> key). */
export async function openNote(blob, { caseId, keys }) {
  const r = new Reader(blob);
  r.version();
  if (r.u8() !== NOTE_TAG) fail('malformed', 'not a case note');
  const epoch = epochOf(r.u32());
  const eph = r.take(32);
  const box = r.take(r.remaining());
  const key = keys.get(epoch);
  if (!key) fail('unknown_key', 'no team key of this epoch');
  const inner = new Reader(unpad(await aeadDecrypt(await noteKey(await x25519(key.priv, eph), eph, key.pub, epoch), NONCE, box, noteAd(caseId))));
  inner.version();
  if (inner.u8() !== NOTE_PLAIN_TAG) fail('malformed', 'not a note');
  const text = fromUtf8(inner.var16(MAX_CASE_NOTE_BYTES), 'note');
  inner.end();
  return text;
}
