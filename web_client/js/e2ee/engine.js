/**
 * The browser's e2ee engine: account, prekeys and 1:1 sessions, and the I/O of the group half,
 * with the same behaviour on the wire as the Python client (client/engine.py, direct_flow.py,
 * group_flow.py): X3DH on first contact, one-time prekeys topped up, the signed prekey rotated.
 * The group decisions (who gets my sender key, when it rotates, which keys are refused, what
 * waits for its key) are groupflow.js's; this class sends the shares and persists.
 *
 * Every operation runs under one mutex (WebCrypto is async, so two pushes would otherwise
 * interleave on the same ratchet), and state is written to the store before a ciphertext that
 * depends on it is sent and before an inbox envelope is acknowledged.
 *
 * `relay` is {request(event, data)} (the signed-in socket); `identity` is {publicKey, sign}.
 */

import { b64d, b64e, ctEqual, E2eeError, fail, hex } from './bytes.js';
import { controlContent, newTextContent } from './content.js';
import { directEnvelopeFromWire, groupEnvelopeFromWire, KIND_PREKEY, outgoingToWire } from './envelopes.js';
import { openingToWire } from './franking.js';
import { GroupKeys } from './group.js';
import { Account, bundleFromFetch } from './identity.js';
import { OTK_CHECK_EVERY, publishKeys, signedPrekeyDue } from './prekeys.js';
import { verifyMembership } from './membership.js';
import { GroupFlow, HOLD_TIMEOUT_MS } from './groupflow.js';
import { SHARE_SENDER_KEY } from './rooms.js';
import { DirectSessions } from './session.js';
import { exportDeviceState, importDeviceState } from './state.js';

export const MAX_SEEN_DIRECT_IDS = 4096;

/** 1:1 control actions of the web client and their names inside the ciphertext. */
export const CONTROL_ACTIONS = { request: 'dm_request', accept: 'dm_accept', decline: 'dm_decline', end: 'dm_end' };
const ACTION_OF = Object.fromEntries(Object.entries(CONTROL_ACTIONS).map(([k, v]) => [v, k]));
/** Control actions of the application, sent and received with their data as they are (the
 * Python client's client/directs.py APP_CONTROLS); the core never interprets them. */
export const APP_CONTROLS = Object.freeze(['emergency_share']);

/** Runs async functions one at a time, in call order. */
export class Mutex {
  constructor() {
    this.tail = Promise.resolve();
  }

  run(fn) {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => {});
    return result;
  }
}

export class Engine {
  constructor({ store, relay, rng = null, now = () => Date.now() }) {
    this.store = store;
    this.relay = relay;
    this.rng = rng;
    this.now = now;
    this.mutex = new Mutex();
    this.identity = null;
    this.account = null;
    this.directs = null;
    this.groups = null;
    this.pins = new Map(); // pseudonym -> identity key (trusted on first use)
    this.flow = new GroupFlow({ now: () => this.now(), rng }); // the rooms I am in, one owner
    this.seenDirect = new Set();
    this.sessionStarts = 0;
    this.serverKey = null;
    this.undecryptable = 0;
  }

  toString() {
    return `Engine(rooms=${this.flow.rooms.size}, loaded=${Boolean(this.account)})`;
  }

  key(kind) {
    return `${kind}:${b64e(this.identity.publicKey)}`;
  }

  /** Load (or create) the state of `identity` from the store. */
  async load(identity) {
    return this.mutex.run(async () => {
      if (this.identity && ctEqual(this.identity.publicKey, identity.publicKey) && this.account) return;
      this.identity = identity;
      const record = await this.store.get(this.key('account'));
      this.account = record ? Account.fromRecord(record, identity) : await Account.create({ signer: identity, rng: this.rng });
      if (!record) this.account.signedMadeAt = this.now();
      this.freshAccount = !record;
      this.directs = new DirectSessions(this.account, (await this.store.get(this.key('sessions'))) || []);
      this.groups = new GroupKeys(identity, await this.store.get(this.key('groups')));
      this.pins = new Map(Object.entries((await this.store.get(this.key('pins'))) || {}));
      this.flow.reset(identity.publicKey, this.groups);
      // A room is one night: keys of nights before yesterday are of no use, drop them on load.
      const cutoff = new Date(this.now() - 2 * 86400000).toISOString().slice(0, 10);
      let purged = false;
      for (const room of this.groups.rooms()) {
        const night = room.split('/').pop();
        if (/^\d{4}-\d{2}-\d{2}$/.test(night) && night < cutoff) {
          this.groups.dropRoom(room);
          purged = true;
        }
      }
      if (!record || purged) await this.persist({ account: !record, groups: purged });
    });
  }

  /**
   * The 1:1 state for a backup (see state.js): a consistent snapshot under the mutex, with the
   * private keys unsealed by `unseal` only for it. Null when nothing is loaded or the DH key
   * predates backups.
   */
  exportState(unseal) {
    return this.mutex.run(async () => {
      if (!this.account) return null;
      return exportDeviceState({
        identityKey: this.identity.publicKey, account: this.account, sessions: this.directs, pins: this.pins,
      }, unseal);
    });
  }

  /**
   * Install a backup's 1:1 state for `identity` before it signs in, resealing its private keys
   * with `seal`. A device that already holds state for this identity keeps its own (it is the
   * newer one): 'kept'. Otherwise 'restored'; the next load() reads it.
   */
  importState(doc, identity, seal) {
    return this.mutex.run(async () => {
      const records = await importDeviceState(doc, identity.publicKey, seal);
      const key = (kind) => `${kind}:${b64e(identity.publicKey)}`;
      if (await this.store.get(key('account'))) return 'kept';
      if (await this.store.get(key('sessions'))) return 'kept';
      await this.store.putMany([
        ...(records.account ? [[key('account'), records.account]] : []), // else load() makes one
        [key('sessions'), records.sessions], [key('pins'), records.pins],
        [key('groups'), { mine: [], theirs: [] }],
      ]);
      if (this.identity && ctEqual(this.identity.publicKey, identity.publicKey)) this.account = null;
      return 'restored';
    });
  }

  /** Erase every record of `identityKey` (the person removes their identity from the device). */
  forgetState(identityKey) {
    return this.mutex.run(async () => {
      for (const kind of ['account', 'sessions', 'groups', 'pins']) await this.store.delete(`${kind}:${b64e(identityKey)}`);
      if (this.identity && ctEqual(this.identity.publicKey, identityKey)) {
        this.identity = null;
        this.account = null;
        this.flow.reset();
      }
    });
  }

  /** Write the named parts in one transaction. */
  async persist({ account = false, sessions = false, groups = false, pins = false }) {
    const entries = [];
    if (account) entries.push([this.key('account'), this.account.toRecord()]);
    if (sessions) entries.push([this.key('sessions'), this.directs.toRecords()]);
    if (groups) entries.push([this.key('groups'), this.groups.toRecord()]);
    if (pins) entries.push([this.key('pins'), Object.fromEntries(this.pins)]);
    if (entries.length) await this.store.putMany(entries);
  }

  /** After auth: remember the server key and publish my bundle (topping up one-time prekeys). */
  async signedIn(serverKeyB64) {
    return this.mutex.run(async () => {
      this.serverKey = b64d(serverKeyB64, 'server_key', 32);
      await this.publishKeys(true);
    });
  }

  /** Top up one-time prekeys and rotate the signed prekey when due (prekeys.js). */
  async publishKeys(always) {
    await publishKeys({
      account: this.account, relay: this.relay, rng: this.rng, now: this.now(), fresh: this.freshAccount,
      always, persistAccount: () => this.persist({ account: true }),
    });
    this.freshAccount = false;
  }

  signedPrekeyDue(now = this.now()) {
    return signedPrekeyDue(this.account, now);
  }

  /**
   * For a tab that stays signed in for long: publish a new signed prekey when the current one is
   * due (no request otherwise). True when it rotated and published.
   */
  rotateSignedPrekeyIfDue() {
    return this.mutex.run(async () => {
      if (!this.account || !this.serverKey || !this.signedPrekeyDue()) return false;
      const before = this.account.signed[0] && this.account.signed[0].id;
      await this.publishKeys(false);
      return this.account.signed[0].id !== before;
    });
  }

  // -- 1:1 -------------------------------------------------------------------------------

  pin(pseudonym, key) {
    const pinned = this.pins.get(pseudonym);
    if (pinned && !ctEqual(pinned, key)) fail('context_mismatch', 'the identity key of this pseudonym changed');
    this.pins.set(pseudonym, key);
  }

  async startSession(pseudonym, expected) {
    const bundle = await bundleFromFetch(await this.relay.request('keys.fetch', { pseudonym }));
    if (expected && !ctEqual(bundle.identityKey, expected)) fail('context_mismatch', 'key bundle has another identity');
    this.pin(pseudonym, bundle.identityKey);
    await this.directs.start(bundle, this.rng);
    await this.persist({ sessions: true, pins: true });
    return bundle.identityKey;
  }

  async sendContent(pseudonym, key, content) {
    let remote = key || this.pins.get(pseudonym);
    if (!remote || !this.directs.hasSession(remote)) remote = await this.startSession(pseudonym, remote);
    const out = await this.directs.encrypt(remote, content, this.rng);
    await this.persist({ sessions: true }); // the ratchet moved: never reuse a key after a crash
    return this.relay.request('direct.send', { to: pseudonym, ...outgoingToWire(out) });
  }

  /** Encrypt and send a franked text 1:1: the relay's {id, ts, stamp?}. */
  sendDirectText(pseudonym, text) {
    return this.mutex.run(async () => this.sendContent(pseudonym, null, await newTextContent(text, this.rng)));
  }

  /** request / accept / decline / end, end to end as a control content. */
  sendDirectControl(pseudonym, action) {
    if (!CONTROL_ACTIONS[action]) fail('malformed', 'unknown control action');
    return this.mutex.run(() => this.sendContent(pseudonym, null, controlContent(CONTROL_ACTIONS[action])));
  }

  /** An application control (APP_CONTROLS) with its data (bytes, at most 1024), end to end. */
  sendDirectAppControl(pseudonym, action, data) {
    if (!APP_CONTROLS.includes(action)) fail('malformed', 'unknown control action');
    return this.mutex.run(() => this.sendContent(pseudonym, null, controlContent(action, data)));
  }

  /**
   * Open a `direct.envelope`: {type: 'text', text, franking} | {type: 'control', action, data?}
   * (data only for APP_CONTROLS) |
   * {type: 'key'} (a sender key, handled here) | {type: 'undecryptable'} (it never will: the
   * caller acknowledges it, so it does not come back at every sign-in), or null (seen already).
   * Acknowledging inbox envelopes is the caller's alone (directs.js).
   */
  async openDirect(raw) {
    const result = await this.mutex.run(async () => {
      const env = directEnvelopeFromWire(raw);
      if (this.seenDirect.has(env.id)) return null;
      let received;
      try {
        this.pin(env.sender, env.senderKey);
        received = await this.directs.decrypt(env);
      } catch (err) {
        if (!(err instanceof E2eeError)) throw err;
        this.undecryptable += 1;
        await this.persist({ account: true, sessions: true, pins: true });
        return { type: 'undecryptable' };
      }
      this.remember(env.id);
      const { content } = received;
      let out = { type: 'key' };
      if (content.type === 'text') out = { type: 'text', text: content.text, franking: openingToWire(received.opening) };
      else if (content.type === 'control' && APP_CONTROLS.includes(content.action)) out = { type: 'control', action: content.action, data: content.data };
      else if (content.type === 'control') out = { type: 'control', action: ACTION_OF[content.action] || content.action };
      else if (content.type === 'sender_key') {
        try {
          await this.acceptDistribution(content, env.senderKey);
        } catch (err) {
          if (!(err instanceof E2eeError)) throw err;
          this.undecryptable += 1; // a key naming another sender or badly signed: dropped
        }
      }
      await this.persist({ account: env.kind === KIND_PREKEY, sessions: true, pins: true, groups: content.type === 'sender_key' });
      if (env.kind === KIND_PREKEY) {
        this.sessionStarts += 1;
        if (this.sessionStarts >= OTK_CHECK_EVERY) {
          this.sessionStarts = 0;
          await this.publishKeys(false).catch(() => {});
        }
      }
      return out;
    });
    return result;
  }

  remember(id) {
    this.seenDirect.add(id);
    if (this.seenDirect.size > MAX_SEEN_DIRECT_IDS) this.seenDirect.delete(this.seenDirect.values().next().value);
  }

  /** A sender key from `fromKey`: the flow decides (refusals throw E2eeError). */
  async acceptDistribution(skd, fromKey) {
    return this.flow.acceptDistribution(skd, fromKey);
  }

  // -- groups: decisions in groupflow.js, carried out here -------------------------------

  /** My join reply (or a rejoin after a reconnect): verify, then make and share a sender key. */
  applyJoin(reply) {
    return this.mutex.run(async () => {
      const m = await verifyMembership(this.serverKey, reply.membership);
      if (m.room !== reply.room) fail('context_mismatch', 'membership of another room');
      const { actions, woke } = await this.flow.join(m);
      await this.execute(actions);
      for (const key of woke) this.flow.wake(m.room, key);
    });
  }

  /** A `room.membership` push; acted on only when the server's signature verifies. */
  onMembership(raw) {
    return this.mutex.run(async () => {
      if (!this.serverKey) return;
      let m;
      try {
        m = await verifyMembership(this.serverKey, raw);
      } catch (err) {
        return; // unsigned or malformed: never act on it
      }
      const { actions, close } = this.flow.membership(m);
      await this.execute(actions);
      if (close) await this.closeRoom(m.room, close);
    });
  }

  /** Carry out group actions: the 1:1 shares here, the rest on the flow's key state. */
  async execute(actions) {
    for (const a of actions) {
      if (a.type !== SHARE_SENDER_KEY) {
        await this.flow.apply(a);
        await this.persist({ groups: true });
        continue;
      }
      const dist = await this.groups.distribution(a.room);
      for (const member of a.members) {
        try {
          await this.sendContent(member.pseudonym, member.identityKey, dist);
        } catch (err) {
          // One unreachable member must not keep the others from my key.
        }
      }
    }
  }

  /** Forget a room (closed, left, or the night ended); envelopes still waiting give up. */
  leaveRoom(room, reason = 'left') {
    return this.mutex.run(() => this.closeRoom(room, reason));
  }

  async closeRoom(room, reason) {
    this.flow.close(room, reason);
    await this.persist({ groups: true });
  }

  /** Encrypt, sign and send a franked text to `room` (rotating first when my key is due): the
   * relay's {seq, ts, stamp?}. */
  sendGroupText(room, text) {
    return this.mutex.run(async () => {
      await this.execute(this.flow.sendActions(room));
      const out = await this.groups.encryptText(room, text, this.rng);
      await this.persist({ groups: true });
      return this.relay.request('room.send', { room, ...outgoingToWire(out) });
    });
  }

  /**
   * Open a `room.envelope`: {text, franking}, or null. An envelope whose sender key has not
   * arrived yet waits (bounded in number and time) and is opened when the key comes.
   */
  async openRoom(raw) {
    const env = groupEnvelopeFromWire(raw);
    if (this.identity && ctEqual(env.senderKey, this.identity.publicKey)) return null;
    const deadline = this.now() + HOLD_TIMEOUT_MS;
    for (;;) {
      const attempt = await this.mutex.run(async () => {
        // The hold is registered inside the lock, so a key processed right after is not missed.
        const wait = () => ({ wait: this.flow.hold(env, Math.max(0, deadline - this.now())) });
        if (!this.flow.mayWait(env)) return wait();
        try {
          const got = await this.groups.decrypt(env);
          await this.persist({ groups: true });
          return { got };
        } catch (err) {
          if (!(err instanceof E2eeError)) throw err;
          return err.code === 'unknown_key' ? wait() : { failed: err.code };
        }
      });
      if (attempt.got) {
        const { content, opening } = attempt.got;
        return content.type === 'text' ? { text: content.text, franking: openingToWire(opening) } : null;
      }
      if (attempt.failed || this.now() >= deadline) {
        this.undecryptable += 1;
        return null;
      }
      if (!(await attempt.wait)) return null;
    }
  }
}
