/**
 * The counsellor team key on this device (client/team_key.py's TeamKeyRing, the same steps):
 * sync() opens my wraps from the team (the relay's list of counsellor accounts, each X25519 key
 * checked against its identity key), makes epoch 1 when the team has none, and grants every
 * epoch I hold to the members who lack it; seal(caseId, text) seals to the newest epoch I hold
 * (syncing first); notes(caseId) opens a case's notes. Keys live in memory only.
 * When the relay says `rotation_due` (a disabled counsellor holds the newest epoch), sync makes
 * the next epoch, wrapped to the team as it is now, before anything is sealed; wraps made by a
 * counsellor who has since left (the relay's `former` list) still open, so old notes stay
 * readable.
 */

import { b64d, b64e, fail } from './bytes.js';
import { dhKeyMessage } from './identity.js';
import { ed25519Verify } from './keys.js';
import { createTeamKey, openNote, openWrap, sealNote, wrapTeamKey } from './team.js';

async function members(reply) {
  const out = [];
  for (const m of reply.team || []) {
    try {
      const identityKey = b64d(m.identity_key, 'identity_key', 32);
      const dhKey = b64d(m.dh_key, 'dh_key', 32);
      await ed25519Verify(identityKey, b64d(m.dh_sig, 'dh_sig', 64), dhKeyMessage(dhKey));
      out.push({ name: m.name, identityKey, dhKey, epochs: new Set(m.epochs || []) });
    } catch (err) {
      // a key whose signature does not verify is never wrapped to
    }
  }
  return out;
}

function former(reply) {
  const out = [];
  for (const k of reply.former || []) {
    try {
      out.push(b64e(b64d(k, 'identity_key', 32)));
    } catch (err) {
      // not a key: ignored
    }
  }
  return out;
}

export class TeamKeyRing {
  /** `relay.request`, `me` {identityKey, dhKey, dhPriv}, `signer` {publicKey, sign}. */
  constructor(relay, me, signer, rng = null) {
    this.relay = relay;
    this.me = me;
    this.signer = signer;
    this.rng = rng;
    this.keys = new Map(); // epoch -> team key
  }

  async put(key, to, isNew) {
    if (isNew && !to.some((m) => b64e(m.identityKey) === b64e(this.me.identityKey))) return false;
    const wraps = [];
    for (const m of to) wraps.push(await wrapTeamKey(key, { to: m.identityKey, dhKey: m.dhKey, maker: this.signer, rng: this.rng }));
    try {
      await this.relay.request('team_key.put', { epoch: key.epoch, team_key: b64e(key.pub), new: isNew, wraps });
    } catch (err) {
      if (err && err.code === 'team_key_conflict') return false;
      throw err;
    }
    return true;
  }

  async sync() {
    for (let i = 0; i < 3; i += 1) {
      const reply = await this.relay.request('team_key.get', {});
      const team = await members(reply);
      const makers = new Set([...team.map((m) => b64e(m.identityKey)), ...former(reply)]);
      for (const w of reply.wraps || []) {
        try {
          const key = await openWrap(this.me, w, makers);
          this.keys.set(key.epoch, key);
        } catch (err) {
          // not from the team, or altered: never used
        }
      }
      if (!(reply.epochs || []).length) {
        await this.put(await createTeamKey(1, this.rng), team, true);
        continue;
      }
      if (reply.rotation_due === true) { // whoever left is off the team list: a new epoch
        const next = Math.max(...reply.epochs.map((e) => e.epoch)) + 1;
        const key = await createTeamKey(next, this.rng);
        if (await this.put(key, team, true)) this.keys.set(next, key);
        continue; // made here or by a colleague at once: read again
      }
      for (const key of this.keys.values()) {
        const lacking = team.filter((m) => !m.epochs.has(key.epoch));
        if (lacking.length) await this.put(key, lacking, false);
      }
      break;
    }
    return this.keys;
  }

  /** A note of `caseId`, sealed to the newest epoch I hold, as b64 for `case.close`. */
  async seal(caseId, text) {
    await this.sync();
    if (!this.keys.size) fail('no_team_key', 'this device holds no counsellor team key yet');
    const key = this.keys.get(Math.max(...this.keys.keys()));
    return b64e(await sealNote(text, { caseId, key, rng: this.rng }));
  }

  /** The notes of a case (mine or a colleague's), opened here. */
  async notes(caseId) {
    await this.sync();
    const reply = await this.relay.request('case.notes', { case_id: caseId });
    const out = [];
    for (const n of reply.notes || []) out.push(await openNote(b64d(n, 'note', null, 8192), { caseId, keys: this.keys }));
    return out;
  }

  toString() {
    return `TeamKeyRing(epochs=${[...this.keys.keys()].join(',')})`;
  }
}
