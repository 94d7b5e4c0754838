/**
 * The group half of the engine, the browser twin of client/group_flow.py: the rooms I am in and
 * what their verified membership means for sender keys (docs/crypto.md section 6.3). No relay
 * and no store here: it decides, changes the key state it owns (GroupKeys, RoomState) and hands
 * the engine the 1:1 shares to send. tests/vectors/iltapiiri_orchestration.json replays through
 * this class and through client/rooms.py, so the two cannot drift apart silently.
 *
 *   join(m)                  -> actions (new key, share with every other member, forget the gone)
 *   membership(m)            -> {actions, close}  (close: why the room is over for me, or null)
 *   acceptDistribution(d, k) -> 'accepted' | 'duplicate' | 'pending'; E2eeError when refused
 *                               (another sender or room, or an epoch before the last departure)
 *   sendActions(room)        -> the rotation due before my next message (count or age limit)
 *   apply(action)            -> carries out everything but SHARE_SENDER_KEY (the engine's job)
 *
 * Envelopes whose sender key has not come yet wait here, bounded in number and time.
 */

import { fail, hex } from './bytes.js';
import { DROP_ROOM_KEYS, FORGET_SENDER, NEW_SENDER_KEY, RoomState, SHARE_SENDER_KEY } from './rooms.js';

export const MAX_HELD_ENVELOPES = 512; // per room, waiting for their sender key
export const HOLD_TIMEOUT_MS = 30000;
export const MAX_PENDING_DISTRIBUTIONS = 64; // keys that arrived before my join was processed

export class GroupFlow {
  /** `now()` is the engine's clock in ms (sender-key age, hold deadlines); `rng` for key draws. */
  constructor({ now, rng = null }) {
    this.now = now;
    this.rng = rng;
    this.me = null;
    this.groups = null;
    this.rooms = new Map(); // room -> RoomState
    this.held = new Map(); // room -> [{senderHex, wake}]
    this.pending = [];
  }

  /** Start over for another identity (or none): every waiting envelope gives up. */
  reset(identityKey = null, groups = null) {
    this.me = identityKey;
    this.groups = groups;
    this.rooms.clear();
    this.pending = [];
    for (const room of [...this.held.keys()]) this.giveUp(room);
  }

  has(room) {
    const state = this.rooms.get(room);
    return Boolean(state && !state.closed);
  }

  /** My verified join (or rejoin): keys that came early are taken first. */
  async join(m) {
    let state = this.rooms.get(m.room);
    if (!state) {
      state = new RoomState(m.room, this.me);
      this.rooms.set(m.room, state);
    }
    const early = this.pending.filter((p) => p.skd.room === m.room && this.now() - p.at < HOLD_TIMEOUT_MS);
    this.pending = this.pending.filter((p) => p.skd.room !== m.room);
    const woke = [];
    for (const p of early) {
      try {
        await this.groups.processDistribution(p.skd, p.fromKey, { room: m.room, minEpoch: state.minEpoch });
        woke.push(p.fromKey);
      } catch (err) {
        if (!err || !err.code) throw err;
      }
    }
    return { actions: state.joined(m), woke };
  }

  /** A verified `room.membership`: the actions, and `close` when the room ends for me. */
  membership(m) {
    const state = this.rooms.get(m.room);
    if (!state || state.closed) return { actions: [], close: null };
    if ((m.event === 'left' || m.event === 'removed') && hex(m.identityKey) === state.me) {
      return { actions: [], close: m.event };
    }
    const actions = state.membership(m);
    return { actions, close: state.closed ? 'closed' : null };
  }

  /** A sender key that came over 1:1 from `fromKey`; refusals throw E2eeError (`context_mismatch`
   * for another sender or room, or an epoch older than the room's last departure). */
  async acceptDistribution(skd, fromKey) {
    const state = this.rooms.get(skd.room);
    if (!state) {
      // It may come before my own join reply was processed: keep it (bounded) for the join.
      this.pending.push({ skd, fromKey, at: this.now() });
      while (this.pending.length > MAX_PENDING_DISTRIBUTIONS) this.pending.shift();
      return 'pending';
    }
    const fresh = await this.groups.processDistribution(skd, fromKey, { room: skd.room, minEpoch: state.minEpoch });
    this.wake(skd.room, fromKey);
    return fresh ? 'accepted' : 'duplicate';
  }

  /** What must happen before my next message to `room`: a rotation at the same epoch when my
   * key reached its message-count or age limit; 'bad_state' when I am not in the room. */
  sendActions(room) {
    const state = this.rooms.get(room);
    if (!state || state.closed) fail('bad_state', 'not in this room');
    if (!this.groups.needsRotation(room, this.now())) return [];
    return [
      { type: NEW_SENDER_KEY, room, epoch: state.epoch },
      { type: SHARE_SENDER_KEY, room, members: state.others() },
    ];
  }

  /** Carry out one action on the key state; SHARE_SENDER_KEY is refused (it needs the relay). */
  async apply(action) {
    if (action.type === NEW_SENDER_KEY) await this.groups.createSenderKey(action.room, action.epoch, this.rng, this.now());
    else if (action.type === FORGET_SENDER) this.groups.forgetSender(action.room, action.senderKey);
    else if (action.type === DROP_ROOM_KEYS) this.groups.dropRoom(action.room);
    else fail('bad_state', `not a local action: ${action.type}`);
  }

  /** Forget a room (closed, left, or the night ended); envelopes still waiting give up. */
  close(room, reason) {
    const state = this.rooms.get(room);
    if (state) state.close(reason);
    this.rooms.delete(room);
    if (this.groups) this.groups.dropRoom(room);
    this.giveUp(room);
  }

  /** Whether an envelope of an unknown key may wait: I am in its room or hold its sender. */
  mayWait(env) {
    return this.rooms.has(env.room) || this.groups.hasSenderKey(env.room, env.senderKey);
  }

  /** Wait until a key of (room, sender) arrives (true) or the wait is given up (false). */
  hold(env, ms) {
    const list = this.held.get(env.room) || [];
    this.held.set(env.room, list);
    if (list.length >= MAX_HELD_ENVELOPES) list.shift().wake(false);
    return new Promise((resolve) => {
      const entry = { senderHex: hex(env.senderKey), wake: null };
      const timer = setTimeout(() => entry.wake(false), ms);
      entry.wake = (ok) => {
        clearTimeout(timer);
        const i = list.indexOf(entry);
        if (i >= 0) list.splice(i, 1);
        resolve(ok);
      };
      list.push(entry);
    });
  }

  wake(room, senderKey) {
    const want = hex(senderKey);
    for (const w of [...(this.held.get(room) || [])]) if (w.senderHex === want) w.wake(true);
  }

  giveUp(room) {
    for (const w of [...(this.held.get(room) || [])]) w.wake(false);
    this.held.delete(room);
  }

  toString() {
    return `GroupFlow(rooms=${this.rooms.size}, pending=${this.pending.length})`;
  }
}
