/**
 * Pure group orchestration, the browser twin of client/rooms.py: what to do about sender keys
 * when a room's (verified) membership changes. No I/O and no cryptography: it answers with
 * actions the engine carries out. tests/vectors/iltapiiri_orchestration.json holds both to the
 * same answers.
 *
 *   event                   actions
 *   I join                  new sender key for (room, epoch); send it to every other member
 *   "joined" X (not me)     send X my *current* key (X reads forward only)
 *   "left"/"removed" X      forget X's keys; rotate mine; send it to every remaining member
 *   anyone missing          the same, for every member absent from a later event's signed list
 *                           (their own event was lost); also on my rejoin after a reconnect
 *   "closed", group.closed  drop every key of the room
 *
 * `minEpoch` (docs/crypto.md section 6.3): the epoch of the latest verified departure; every key
 * made before it was rotated, so a late distribution of an older key is refused.
 */

import { hex } from './bytes.js';

export const NEW_SENDER_KEY = 'new_sender_key';
export const SHARE_SENDER_KEY = 'share_sender_key';
export const FORGET_SENDER = 'forget_sender';
export const DROP_ROOM_KEYS = 'drop_room_keys';

/** Membership and key-distribution state of one room I am in. */
export class RoomState {
  constructor(room, myIdentityKey) {
    this.room = room;
    this.me = hex(myIdentityKey);
    this.epoch = -1;
    this.members = new Map(); // hex(identity key) -> {pseudonym, identityKey, role}
    this.closed = false;
    this.closeReason = null;
    this.minEpoch = 0;
  }

  /** Current members except me, in a stable order. */
  others() {
    return [...this.members.entries()].filter(([k]) => k !== this.me).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, m]) => m);
  }

  /** I joined (or rejoined after a reconnect): a key for this epoch, shared with everyone.
   * On a rejoin, members who left while I was away are forgotten (their events were lost). */
  joined(m) {
    const gone = this.departures(m);
    this.setMembers(m);
    this.closed = false;
    return [
      ...gone.map((k) => ({ type: FORGET_SENDER, room: this.room, senderKey: k.identityKey })),
      { type: NEW_SENDER_KEY, room: this.room, epoch: this.epoch },
      { type: SHARE_SENDER_KEY, room: this.room, members: this.others() },
    ];
  }

  /** A verified membership event of this room; stale epochs are ignored. */
  membership(m) {
    if (m.room !== this.room || m.epoch <= this.epoch) return [];
    if (m.event === 'closed') {
      this.setMembers(m);
      return this.close(m.event);
    }
    const before = new Set(this.members.keys());
    // Anyone missing from the signed list has gone, even if their own event was lost.
    const gone = new Map(this.departures(m).map((g) => [hex(g.identityKey), g]));
    const subject = hex(m.identityKey);
    if ((m.event === 'left' || m.event === 'removed') && subject !== this.me) {
      gone.set(subject, { identityKey: m.identityKey });
      this.minEpoch = Math.max(this.minEpoch, m.epoch);
    }
    this.setMembers(m);
    if (gone.size) {
      // They may hold my current key, so it must not be used again.
      return [
        ...[...gone.keys()].sort().map((k) => ({ type: FORGET_SENDER, room: this.room, senderKey: gone.get(k).identityKey })),
        { type: NEW_SENDER_KEY, room: this.room, epoch: this.epoch },
        { type: SHARE_SENDER_KEY, room: this.room, members: this.others() },
      ];
    }
    // joined (mine echoed back needs nothing): newcomers get my current key
    const fresh = this.others().filter((member) => {
      const k = hex(member.identityKey);
      return !before.has(k) || (m.event === 'joined' && k === subject);
    });
    return fresh.length ? [{ type: SHARE_SENDER_KEY, room: this.room, members: fresh }] : [];
  }

  /** Members I knew who are absent from `m`'s list (sorted by key); moves `minEpoch` past my
   * last known epoch (their departure fell somewhere after it, so older keys are pre-departure). */
  departures(m) {
    const listed = new Set(m.members.map((member) => hex(member.identityKey)));
    const gone = [...this.members.entries()].filter(([k]) => !listed.has(k) && k !== this.me)
      .sort(([a], [b]) => (a < b ? -1 : 1)).map(([, member]) => member);
    if (gone.length && this.epoch >= 0) this.minEpoch = Math.max(this.minEpoch, this.epoch + 1);
    return gone;
  }

  /** The night ended or the room closed: drop its keys. */
  close(reason) {
    if (this.closed) return [];
    this.closed = true;
    this.closeReason = reason;
    return [{ type: DROP_ROOM_KEYS, room: this.room }];
  }

  setMembers(m) {
    this.epoch = m.epoch;
    this.members = new Map(m.members.map((member) => [hex(member.identityKey), member]));
  }

  toString() {
    return `RoomState(room=${this.room}, epoch=${this.epoch}, members=${this.members.size}, closed=${this.closed})`;
  }
}
