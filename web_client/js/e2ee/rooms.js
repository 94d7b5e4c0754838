/**
 * Pure group orchestration, the browser twin of client/rooms.py: what to do about sender keys
 * when a room's (verified) membership changes. No I/O and no cryptography: it answers with
 * actions the engine carries out.
 *
 *   event                   actions
 *   I join                  new sender key for (room, epoch); send it to every other member
 *   "joined" X (not me)     send X my *current* key (X reads forward only)
 *   "left"/"removed" X      forget X's keys; rotate mine; send it to every remaining member
 *   "closed", group.closed  drop every key of the room
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
  }

  /** Current members except me, in a stable order. */
  others() {
    return [...this.members.entries()].filter(([k]) => k !== this.me).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, m]) => m);
  }

  /** I joined (or rejoined after a reconnect): a key for this epoch, shared with everyone. */
  joined(m) {
    this.setMembers(m);
    this.closed = false;
    return [
      { type: NEW_SENDER_KEY, room: this.room, epoch: this.epoch },
      { type: SHARE_SENDER_KEY, room: this.room, members: this.others() },
    ];
  }

  /** A verified membership event of this room; stale epochs are ignored. */
  membership(m) {
    if (m.room !== this.room || m.epoch <= this.epoch) return [];
    this.setMembers(m);
    if (m.event === 'closed') return this.close(m.event);
    if (hex(m.identityKey) === this.me) return []; // my own join or leave echoed back
    if (m.event === 'joined') {
      const newcomer = this.members.get(hex(m.identityKey));
      return newcomer ? [{ type: SHARE_SENDER_KEY, room: this.room, members: [newcomer] }] : [];
    }
    // left / removed: they may hold my current key, so it must not be used again.
    return [
      { type: FORGET_SENDER, room: this.room, senderKey: m.identityKey },
      { type: NEW_SENDER_KEY, room: this.room, epoch: this.epoch },
      { type: SHARE_SENDER_KEY, room: this.room, members: this.others() },
    ];
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
