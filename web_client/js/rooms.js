/**
 * What the views show of the rooms this device is in: members, messages of tonight (in memory
 * only; groups leave no transcript), and the closing time. Views draw from here, so a language
 * switch or a trip to the help panel loses nothing. Which rooms I am in is the session's to say
 * (session.js): an entry is made on its 'room.joined' and dropped on 'room.left' when I left;
 * a closed room stays (marked closed) for its goodbye until the person leaves it (forget).
 */

import { b64decode } from './crypto/primitives.js';
import { verifiedMembers } from './e2ee/membership.js';
import { loadList } from './local.js';

export const MAX_MESSAGES_KEPT = 500; // per room, in memory

export class Rooms extends EventTarget {
  constructor(session, messaging) {
    super();
    this.session = session;
    this.messaging = messaging;
    this.byRoom = new Map();
    session.on('room.joined', (reply) => this.joined(reply));
    session.on('room.left', ({ room, reason }) => {
      if (reason === 'left') this.forget(room);
    });
    session.on('room.envelope', (env) => this.onEnvelope(env));
    session.on('room.membership', (m) => this.onMembership(m));
    // After a reconnect the member list may have changed while we were away.
    session.on('rejoined', (reply) => this.update(reply.room, (r) => {
      r.epoch = reply.epoch;
      this.showMembers(r, reply.membership, reply.members || r.members);
    }, 'refresh'));
    // Some pushes of the room were lost (room.resync): say so, quietly, where they would be.
    session.on('room.gap', ({ room }) => {
      const r = this.byRoom.get(room);
      if (r) this.add(r, { id: `gap-${Date.now()}`, system: 'gap', ts: Date.now() });
    });
    session.on('group.closing', (d) => this.update(d.room, (r) => {
      r.closing = true;
      r.closesAt = d.closes_at;
    }, 'closing'));
    session.on('group.closed', (d) => this.update(d.room, (r) => {
      r.closed = true;
      r.closedReason = d.reason;
    }, 'closed'));
  }

  /**
   * Set the member list the views draw: at once with every role shown as a peer, then with the
   * roles the server's membership signature covers (docs/protocol.md, "Membership" v2), so a
   * moderator badge never comes from an unsigned field. A newer epoch wins if two overlap.
   */
  showMembers(room, membership, listed) {
    const members = listed || (membership && membership.members) || [];
    room.members = members.map((m) => ({ ...m, role: 'peer' }));
    const epoch = room.epoch;
    const key = this.session.auth && this.session.auth.serverKey;
    verifiedMembers(key ? b64decode(key) : null, membership, members).then((verified) => {
      if (room.epoch !== epoch) return;
      room.members = verified;
      this.fire('members', room);
    });
  }

  fire(type, room) {
    this.dispatchEvent(new CustomEvent(type, { detail: room }));
  }

  on(type, fn) {
    const listener = (ev) => fn(ev.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  /** Record a group.join reply (the session's 'room.joined'). */
  joined(reply) {
    const existing = this.byRoom.get(reply.room);
    const room = existing || { room: reply.room, messages: [], closing: false, closed: false };
    room.group = reply.group;
    room.epoch = reply.epoch;
    this.showMembers(room, reply.membership, reply.members || []);
    room.closesAt = reply.group && reply.group.ends_at;
    room.closed = false;
    this.byRoom.set(reply.room, room);
    this.fire('members', room);
    return room;
  }

  get(room) {
    return this.byRoom.get(room);
  }

  forget(room) {
    this.byRoom.delete(room);
  }

  update(roomId, fn, event) {
    const room = this.byRoom.get(roomId);
    if (!room) return;
    fn(room);
    this.fire(event, room);
  }

  add(room, message) {
    room.messages.push(message);
    if (room.messages.length > MAX_MESSAGES_KEPT) room.messages.shift();
    this.fire('message', { room, message });
  }

  /** A message I am sending (shown from my own plaintext; the relay only sees ciphertext), in
   * state 'sending' until the outbox (outbox.js) says more; null when I am not in the room. */
  addPending(roomId, text, id) {
    const room = this.byRoom.get(roomId);
    if (!room) return null;
    const message = { id, room: roomId, seq: null, ts: Date.now(), mine: true, state: 'sending',
      sender: this.session.auth && this.session.auth.pseudonym, text };
    this.add(room, message);
    return message;
  }

  /** Move an own message to `state` (delivered: with the relay's {seq, ts}). */
  setState(message, state, code = null, reply = null) {
    message.state = state;
    message.error = code;
    if (reply) {
      message.seq = reply.seq;
      message.ts = reply.ts;
    }
    const room = this.byRoom.get(message.room);
    if (room) this.fire('message-state', { room, message });
  }

  /** A moderator removed message `seq` of `roomId`: its words go, from memory and from what
   * history.js keeps ('message-state' redraws it and saves the room); the report evidence goes
   * with them (a removed message cannot be reported again). False when it is not here. */
  markRemoved(roomId, seq, tombstone) {
    const room = this.byRoom.get(roomId);
    const message = room && room.messages.find((x) => x.seq === seq);
    if (!message) return false;
    message.text = tombstone;
    message.removed = true;
    message.franking = null;
    this.fire('message-state', { room, message });
    return true;
  }

  /** Take back an own message that was refused before it left (the composer keeps the text). */
  removeMessage(message) {
    const room = this.byRoom.get(message.room);
    if (!room) return;
    room.messages = room.messages.filter((m) => m !== message);
    this.fire('message-removed', { room, message });
  }

  async onEnvelope(env) {
    const room = this.byRoom.get(env.room);
    if (!room) return;
    if (loadList('muted').includes(env.sender) || loadList('blocked').includes(env.sender)) return;
    const opened = await this.messaging.openRoomEnvelope(env);
    // Everything needed for a franked report stays with the message, ready for the button.
    this.add(room, {
      id: `seq-${env.seq}`, room: env.room, seq: env.seq, ts: env.ts, sender: env.sender,
      senderKey: env.sender_key, mine: false, text: opened ? opened.text : null,
      franking: { room: env.room, seq: env.seq, ts: env.ts, sender: env.sender,
        sender_key: env.sender_key, commitment: env.commitment || null,
        stamp: env.stamp || null, opening: opened ? opened.franking || null : null },
    });
  }

  async onMembership(m) {
    const room = this.byRoom.get(m.room);
    if (!room) return;
    room.epoch = m.epoch;
    this.showMembers(room, m, m.members || room.members);
    await this.messaging.membershipChanged(m);
    if (m.event === 'joined' || m.event === 'left' || m.event === 'removed') {
      this.add(room, { id: `m-${m.epoch}`, system: m.event, sender: m.pseudonym, ts: typeof m.at === 'number' ? m.at : Date.parse(m.at) });
    }
    this.fire('members', room);
  }
}
