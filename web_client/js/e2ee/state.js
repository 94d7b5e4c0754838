/**
 * The device's 1:1 state as a versioned, JSON-able document for the passphrase-protected backup
 * (js/identity/backup.js carries it inside the ciphertext), so a restored device keeps its DH key,
 * prekeys, sessions and pins and its peers' existing sessions go on.
 *
 *   {
 *     "format": "iltapiiri-e2ee-state", "version": 1,
 *     "identity_key": b64(32),
 *     "account": {"dh": Key, "dh_sig": b64(64), "next_id": int,
 *                 "signed": [{"id": int, ...Key}], "one_time": [{"id": int, ...Key}]} | null,
 *     "sessions": [{"local_key", "remote_key", "ad", "base_key", "pending_prekey" | null,
 *                   "state": {"root_key", "dhs": Key, "dhr" | null, "cks" | null, "ckr" | null,
 *                             "ns", "nr", "pn", "send_pending", "skipped": [[slot, mk]]}}],
 *     "pins": {pseudonym: b64(32)},
 *     "left_out": {"account": 0 | 1, "sessions": int, "one_time": int, "signed": int}
 *   }
 *   Key = {"priv": b64(32) raw X25519 scalar, "pub": b64(32)}
 *
 * Private keys are non-extractable CryptoKeys in normal use; their raw bytes exist only sealed
 * under the device wrap key (`pair.sealed`, see keys.js useKeySealer). `unseal` opens them here,
 * for the export only, and `seal` closes them again under the new device's wrap key on import,
 * where each becomes a non-extractable CryptoKey again. A key made before backups could carry
 * keys has no sealed copy: it is left out (and counted). Without the DH key the account is left
 * out (null): the restored device makes a new one, and the sessions that could be carried go on.
 *
 * Group sender keys are not exported on purpose: groups leave no transcript, and a restored device
 * rejoins its room and gets new keys by the usual join.
 */

import { b64d, b64e, ctEqual, fail, hex, KEY_LEN, MAX_ONE_TIME_PREKEYS, MAX_OLD_SIGNED_PREKEYS, MAX_SESSIONS_PER_PEER, MAX_SKIPPED_KEYS } from './bytes.js';
import { ACCOUNT_RECORD_VERSION, dhKeyMessage } from './identity.js';
import { ed25519Verify, x25519FromRaw } from './keys.js';

export const STATE_FORMAT = 'iltapiiri-e2ee-state';
export const STATE_VERSION = 1;
export const MAX_EXPORTED_PEERS = 200; // sessions of at most this many peers
export const MAX_EXPORTED_SKIPPED = 50; // newest skipped message keys per session

const isInt = (v, max = 0xffffffff) => Number.isInteger(v) && v >= 0 && v <= max;

function bytesOrNull(v, what, length = null) {
  return v === null || v === undefined ? null : b64d(v, what, length);
}

async function exportKey(pair, unseal) {
  if (!pair || !pair.sealed) return null;
  const raw = await unseal(pair.sealed);
  try {
    return { priv: b64e(raw), pub: b64e(pair.pub) };
  } finally {
    raw.fill(0);
  }
}

async function importKey(doc, seal, what) {
  if (!doc || typeof doc !== 'object') fail('malformed', `${what} missing`);
  const raw = b64d(doc.priv, `${what}.priv`, KEY_LEN);
  try {
    const pair = await x25519FromRaw(raw);
    if (!ctEqual(pair.pub, b64d(doc.pub, `${what}.pub`, KEY_LEN))) fail('malformed', `${what} does not match its public key`);
    pair.sealed = await seal(raw);
    return pair;
  } finally {
    raw.fill(0);
  }
}

/** The account part, or null when its DH key cannot be exported (made before backups carried
 * keys): the restored device then makes a new account, and the sessions still go on. */
async function exportAccount(account, unseal, leftOut) {
  const dh = await exportKey(account.dh, unseal);
  if (!dh) {
    leftOut.account = 1;
    return null;
  }
  const signed = [];
  for (const s of account.signed) {
    const key = await exportKey(s, unseal);
    if (key) signed.push({ id: s.id, ...key });
    else leftOut.signed += 1;
  }
  const oneTime = [];
  for (const [id, pair] of account.oneTime) {
    const key = await exportKey(pair, unseal);
    if (key) oneTime.push({ id, ...key });
    else leftOut.one_time += 1;
  }
  return { dh, dh_sig: b64e(account.dhSig), next_id: account.nextId, signed, one_time: oneTime };
}

/** The export document for `account`, `sessions` (DirectSessions) and `pins`; null when it would
 * carry no key at all. */
export async function exportDeviceState({ identityKey, account, sessions, pins }, unseal) {
  const leftOut = { account: 0, sessions: 0, one_time: 0, signed: 0 };
  const exportedAccount = await exportAccount(account, unseal, leftOut);
  const out = [];
  const peers = [...sessions.sessions.values()];
  leftOut.sessions += peers.slice(MAX_EXPORTED_PEERS).flat().length;
  for (const list of peers.slice(0, MAX_EXPORTED_PEERS)) {
    for (const s of list) {
      const st = s.state;
      const dhs = await exportKey(st.dhs, unseal);
      if (!dhs) {
        leftOut.sessions += 1;
        continue;
      }
      out.push({
        local_key: b64e(s.localKey), remote_key: b64e(s.remoteKey), ad: b64e(s.ad), base_key: b64e(s.baseKey),
        pending_prekey: s.pendingPrekey ? b64e(s.pendingPrekey) : null,
        state: {
          root_key: b64e(st.rootKey), dhs, dhr: st.dhr ? b64e(st.dhr) : null,
          cks: st.cks ? b64e(st.cks) : null, ckr: st.ckr ? b64e(st.ckr) : null,
          ns: st.ns, nr: st.nr, pn: st.pn, send_pending: st.sendPending,
          skipped: [...st.skipped.entries()].slice(-MAX_EXPORTED_SKIPPED).map(([slot, mk]) => [slot, b64e(mk)]),
        },
      });
    }
  }
  if (!exportedAccount && !out.length) return null;
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    identity_key: b64e(identityKey),
    account: exportedAccount,
    sessions: out,
    pins: Object.fromEntries([...pins].map(([name, key]) => [name, b64e(key)])),
    left_out: leftOut,
  };
}

async function importAccount(a, identityKey, seal) {
  if (!a || typeof a !== 'object' || !Array.isArray(a.signed) || !Array.isArray(a.one_time)) fail('malformed', 'account');
  if (!isInt(a.next_id) || a.signed.length > 1 + MAX_OLD_SIGNED_PREKEYS || a.one_time.length > MAX_ONE_TIME_PREKEYS) fail('malformed', 'account limits');
  const dh = await importKey(a.dh, seal, 'dh');
  const dhSig = b64d(a.dh_sig, 'dh_sig', 64);
  await ed25519Verify(identityKey, dhSig, dhKeyMessage(dh.pub)); // the DH key is this identity's
  const signed = [];
  for (const s of a.signed) {
    if (!isInt(s && s.id)) fail('malformed', 'signed prekey id');
    signed.push({ id: s.id, ...(await importKey(s, seal, 'signed prekey')) });
  }
  const oneTime = [];
  for (const o of a.one_time) {
    if (!isInt(o && o.id)) fail('malformed', 'one-time prekey id');
    oneTime.push([o.id, await importKey(o, seal, 'one-time prekey')]);
  }
  return { version: ACCOUNT_RECORD_VERSION, identityKey, dh, dhSig, nextId: a.next_id, signed, oneTime };
}

/**
 * Check and rebuild an export for `identityKey` as the engine's store records
 * ({account, sessions, pins}); every private key is imported non-extractable and sealed again
 * with `seal` (this device's wrap key). Throws E2eeError('malformed' | 'unsupported_version' |
 * 'context_mismatch' | 'bad_signature') for a document it cannot trust.
 */
export async function importDeviceState(doc, identityKey, seal) {
  if (!doc || typeof doc !== 'object' || doc.format !== STATE_FORMAT) fail('malformed', 'not an e2ee state');
  if (doc.version !== STATE_VERSION) fail('unsupported_version', 'e2ee state version');
  if (!ctEqual(b64d(doc.identity_key, 'identity_key', KEY_LEN), identityKey)) fail('context_mismatch', 'state of another identity');
  const account = doc.account === null ? null : await importAccount(doc.account, identityKey, seal);
  if (!Array.isArray(doc.sessions)) fail('malformed', 'sessions');
  const perPeer = new Map();
  const sessions = [];
  for (const s of doc.sessions) {
    const st = s && s.state;
    if (!st || typeof st !== 'object') fail('malformed', 'session');
    const localKey = b64d(s.local_key, 'local_key', KEY_LEN);
    if (!ctEqual(localKey, identityKey)) fail('context_mismatch', 'session of another identity');
    const remoteKey = b64d(s.remote_key, 'remote_key', KEY_LEN);
    const n = (perPeer.get(hex(remoteKey)) || 0) + 1;
    perPeer.set(hex(remoteKey), n);
    if (n > MAX_SESSIONS_PER_PEER) fail('malformed', 'too many sessions with one peer');
    if (!isInt(st.ns) || !isInt(st.nr) || !isInt(st.pn) || typeof st.send_pending !== 'boolean') fail('malformed', 'ratchet counters');
    if (!Array.isArray(st.skipped) || st.skipped.length > MAX_SKIPPED_KEYS) fail('malformed', 'skipped keys');
    const skipped = st.skipped.map((e) => {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || !/^[0-9a-f]{64}:\d{1,10}$/.test(e[0])) fail('malformed', 'skipped slot');
      return [e[0], b64d(e[1], 'skipped key', KEY_LEN)];
    });
    sessions.push({
      localKey, remoteKey, ad: b64d(s.ad, 'ad', null, 512), baseKey: b64d(s.base_key, 'base_key', KEY_LEN),
      pendingPrekey: bytesOrNull(s.pending_prekey, 'pending_prekey'),
      state: {
        rootKey: b64d(st.root_key, 'root_key', KEY_LEN), dhs: await importKey(st.dhs, seal, 'ratchet key'),
        dhr: bytesOrNull(st.dhr, 'dhr', KEY_LEN), cks: bytesOrNull(st.cks, 'cks', KEY_LEN),
        ckr: bytesOrNull(st.ckr, 'ckr', KEY_LEN), ns: st.ns, nr: st.nr, pn: st.pn,
        sendPending: st.send_pending, skipped,
      },
    });
  }
  const pins = {};
  if (!doc.pins || typeof doc.pins !== 'object' || Array.isArray(doc.pins)) fail('malformed', 'pins');
  for (const [name, key] of Object.entries(doc.pins)) pins[name] = b64d(key, 'pin', KEY_LEN);
  return { account, sessions, pins };
}
