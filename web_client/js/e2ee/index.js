/**
 * The e2ee port's entry point for the web client: `createE2ee(ctx)` (app.js installs the result
 * with ctx.messaging.install, see js/messaging.js for the seam).
 *
 * One tab per device: the engine holds the Web Lock "iltapiiri-e2ee" (exclusive) for the life of
 * the page. A second tab of the same browser profile waits for the lock with `ready === false`
 * (it sends nothing and leaves 1:1 envelopes in the relay's inbox), and takes over, reloading the
 * state from IndexedDB, when the first tab closes. Two tabs advancing the same ratchet from two
 * copies of the state would reuse message keys; the lock makes that impossible in one profile.
 * (Web Locks rather than BroadcastChannel: the browser releases a lock by itself when a tab dies.)
 *
 * Wiring: the session owns the rooms I am in and says every change (session.js): its
 * 'room.joined' and 'rejoined' replies are applied at once (verified, a sender key made and
 * shared), its 'room.left' drops the room's keys, and after a sign-in every room it holds is
 * applied once the keys are loaded. Nothing here keeps its own list of rooms.
 */

import { sealDeviceSecret, unsealDeviceSecret } from '../identity/store.js';
import { E2eeError } from './bytes.js';
import { Engine } from './engine.js';
import { dhKeyMessage } from './identity.js';
import { ed25519Verify, useKeySealer } from './keys.js';
import { openModReport, sendReport } from './reports.js';
import { TeamKeyRing } from './teamring.js';
import { safetyNumber } from './safety.js';
import { IdbStore } from './store.js';
import { LOCK_NAME } from '../tabs.js';

/** The device wrap key of js/identity/store.js seals the raw bytes of every new X25519 key. */
export const DEVICE_SEALER = { seal: sealDeviceSecret, unseal: unsealDeviceSecret };

// How often a tab that stays open looks whether its signed prekey is a week old (no request
// unless it is): rotation also happens at every sign-in and reconnect.
export const ROTATE_CHECK_MS = 3600 * 1000;
export const MAX_START_RETRIES = 5;
export const RETRY_MS = 2000;

/** Take the device-wide lock; resolves when this tab holds it (held until the page goes). */
function takeLock() {
  if (!globalThis.navigator || !navigator.locks) return Promise.resolve('unavailable');
  return new Promise((granted) => {
    navigator.locks.request(LOCK_NAME, { mode: 'exclusive' }, () => {
      granted('held');
      return new Promise(() => {}); // never released while the page lives
    });
  });
}

/** The engine object the web client's messaging seam calls. */
class WebE2ee {
  constructor(ctx, { store = new IdbStore(), rng = null, sealer = DEVICE_SEALER } = {}) {
    this.ctx = ctx;
    this.sealer = sealer;
    useKeySealer(sealer);
    this.session = ctx.session;
    this.engine = new Engine({ store, rng, relay: { request: (ev, data) => this.session.request(ev, data) } });
    this.status = 'starting';
    this.lock = null;
    this.applied = new WeakSet(); // join replies already applied (a rejoin brings a new one)
    this.starting = null;
    this.retries = 0;
    ctx.e2ee = this; // the context is no global (main.js): views reach `ready` and `status` here
  }

  /** True when sending end to end is possible (messaging.encryptionReady). */
  get ready() {
    return this.status === 'ready';
  }

  start() {
    const { session, ctx } = this;
    this.lockPromise = takeLock().then((how) => { this.lock = how; });
    session.on('signedin', () => this.onSignedIn());
    session.on('status', (s) => {
      if (s && s.resumed) this.onSignedIn();
    });
    // My one-time prekeys run short (others fetched them): top up now, not at the next sign-in.
    session.on('keys.low', () => {
      if (this.ready) this.engine.mutex.run(() => this.engine.publishKeys(false)).catch(() => {});
    });
    session.on('room.joined', (reply) => { this.applyJoin(reply).catch(() => {}); });
    session.on('rejoined', (reply) => { this.applyJoin(reply).catch(() => {}); });
    session.on('room.left', ({ room, reason }) => {
      if (this.ready) this.engine.leaveRoom(room, reason).catch(() => {});
    });
    this.rotator = setInterval(() => {
      if (this.ready) this.engine.rotateSignedPrekeyIfDue().catch(() => {});
    }, ROTATE_CHECK_MS);
    if (session.signedIn) this.onSignedIn();
  }

  /** After every sign-in or resumed connection: load keys, publish, rejoin, read the inbox. */
  onSignedIn() {
    const run = async () => {
      if (this.lock === null) {
        this.status = 'waiting_for_tab';
        await this.lockPromise;
      }
      const { identity, auth } = this.session;
      if (!identity || !auth) return;
      await this.engine.load(identity);
      await this.engine.signedIn(auth.serverKey);
      this.status = 'ready';
      for (const reply of [...this.session.rooms.values()]) await this.applyJoin(reply);
      if (this.ctx.directs && this.ctx.directs.fetchInbox) await this.ctx.directs.fetchInbox();
    };
    this.starting = run().then(() => { this.retries = 0; }, () => {
      // Offline or rate limited while publishing: try again a few times, then wait for the next
      // sign-in or reconnect (sending stays refused meanwhile, never unencrypted).
      this.status = 'failed';
      if (this.retries < MAX_START_RETRIES) {
        this.retries += 1;
        setTimeout(() => this.onSignedIn(), RETRY_MS * this.retries);
      }
    });
    return this.starting;
  }

  /** Apply a join reply of the session once (verify, make and share my sender key). */
  async applyJoin(reply) {
    if (this.status !== 'ready' || !reply || !reply.membership || this.applied.has(reply)) return;
    if (this.session.rooms.get(reply.room) !== reply) return; // left again, or joined anew
    this.applied.add(reply);
    try {
      await this.engine.applyJoin(reply);
    } catch (err) {
      if (!(err instanceof E2eeError)) throw err;
    }
  }

  /**
   * The 1:1 state (DH key, prekeys, sessions, pins) for the identity backup, or null when this
   * tab holds none or it cannot be carried (keys made before backups could carry them).
   */
  async exportState() {
    if (this.lock === null || !this.sealer) return null;
    return this.engine.exportState(this.sealer.unseal);
  }

  /**
   * Install a backup's state for the identity just restored (`session.identity`), before it
   * signs in: 'restored', 'kept' (this device already had newer state for it); throws
   * E2eeError when the state cannot be trusted (the identity is restored without it).
   */
  async importState(extra) {
    const identity = this.session.identity;
    if (!identity || !this.sealer) return 'none';
    // Another tab of this profile holds the state: writing beside it would fork it.
    await Promise.race([this.lockPromise, new Promise((resolve) => { setTimeout(resolve, 2000); })]);
    if (this.lock === null) throw new E2eeError('bad_state', 'another tab holds the encryption keys');
    return this.engine.importState(extra, identity, this.sealer.seal);
  }

  /** The identity is being removed from this device: its keys and sessions go with it. */
  async forgetState(identityKey) {
    this.status = 'starting';
    await this.engine.forgetState(identityKey);
  }

  sendGroupText(room, text) {
    return this.engine.sendGroupText(room, text);
  }

  sendDirectText(pseudonym, text) {
    return this.engine.sendDirectText(pseudonym, text);
  }

  sendDirectControl(pseudonym, action) {
    return this.engine.sendDirectControl(pseudonym, action);
  }

  sendDirectAppControl(pseudonym, action, data) {
    return this.engine.sendDirectAppControl(pseudonym, action, data);
  }

  async openRoomEnvelope(envelope) {
    if (!this.ready) return null;
    return this.engine.openRoom(envelope);
  }

  async openDirectEnvelope(envelope) {
    if (!this.ready) return null;
    return this.engine.openDirect(envelope);
  }

  /** Report a received room message to the moderators (its franking opening, sealed). */
  reportMessage(record, reason, note = '') {
    if (!this.ready) throw new E2eeError('report_not_ready', 'encryption is not ready');
    const f = record && record.franking;
    if (!f || !f.opening || typeof f.seq !== 'number') throw new E2eeError('not_reportable', 'this message carries no franking opening');
    return sendReport(this.engine.relay, f.opening, f.seq, reason, { note, rng: this.engine.rng,
      verifyDhKey: (identityKey, dhKey, dhSig) => ed25519Verify(identityKey, dhSig, dhKeyMessage(dhKey)) });
  }

  /** A `mod.report` push sealed to me: {verified, text, sender, ts, ...} (the console's). */
  openModReport(push) {
    const { account } = this.engine;
    return openModReport({ identityKey: account.identityKey, dhKey: account.dh.pub, dhPriv: account.dh.priv }, push);
  }

  /** The counsellor team key ring of this device (teamring.js), made once. */
  teamRing() {
    if (!this.ready) throw new E2eeError('not_ready', 'encryption is not ready');
    if (!this.ring) {
      const { account } = this.engine;
      this.ring = new TeamKeyRing(this.engine.relay, { identityKey: account.identityKey, dhKey: account.dh.pub,
        dhPriv: account.dh.priv }, account.signer, this.engine.rng);
    }
    return this.ring;
  }

  async onMembership(membership) {
    if (!this.ready) return;
    await this.engine.onMembership(membership);
  }

  /** 60 digits, equal on both sides (docs/crypto.md section 9). */
  safetyNumber(myKey, theirKey) {
    return safetyNumber(myKey, theirKey);
  }

  toString() {
    return `WebE2ee(status=${this.status})`;
  }
}

/** Build and start the engine for the web client's context ({session, rooms, directs}). */
export async function createE2ee(ctx, options = {}) {
  const e2ee = new WebE2ee(ctx, options);
  e2ee.start();
  return e2ee;
}
