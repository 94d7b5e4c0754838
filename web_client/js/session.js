/**
 * The signed-in session: one socket, this device's identity, and what the server told us.
 *
 * Views talk to the relay through this object. After a dropped connection it signs in again by
 * itself and rejoins the room the person was in, so a flaky phone connection does not throw
 * anyone out of their group.
 *
 * The one owner of "the rooms I am in" (`rooms`: room -> last group.join reply). Every change is
 * an event, so nothing else keeps a copy in step by looking: 'room.joined' (reply), 'rejoined'
 * (reply, after a reconnect or a `room.resync`), 'room.gap' ({room}: some of its messages may
 * not have reached me), 'room.left' ({room, reason}: left, closed, ended or a code) and
 * 'inbox.resync' ({}: pushes to me may have been lost between server processes; read the inbox).
 * 'cases.resync' is passed on like the case pushes (the counsellor's desk reads the queue again).
 */

import { CLIENT_ERRORS, SocketClient } from './socketio.js';
import { authenticate } from './identity/auth.js';
import { createIdentity, loadIdentity, rememberPseudonym } from './identity/store.js';

const TRANSPORT_ERRORS = [CLIENT_ERRORS.timeout, CLIENT_ERRORS.disconnected, CLIENT_ERRORS.offline];

export class Session extends EventTarget {
  constructor({ socketOptions = {} } = {}) {
    super();
    this.socket = new SocketClient(socketOptions);
    this.identity = null;
    this.auth = null; // {pseudonym, userId, role, serverKey, limits}
    this.rooms = new Map(); // room -> last group.join reply; changed only with an event
    // Set once the relay has accepted this identity's pseudonym in this page: only then does a
    // reconnect sign in by itself. Before that (a person still choosing a name after
    // pseudonym_taken) signing in without a name would quietly bind a generated one.
    this.accepted = false;
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('disconnect', () => this.fire('status', { online: false }));
    this.socket.on('reconnecting', (info) => this.fire('status', { online: false, ...info }));
    for (const push of ['room.envelope', 'room.membership', 'group.opened', 'group.closing',
      'group.closed', 'direct.envelope', 'direct.typing', 'keys.low', 'case.update', 'case.counsellor', 'case.closed',
      'case.invite', 'case.offer', 'case.taken', 'case.alert', 'case.ended', 'case.transfer_offer',
      'case.transferred', 'case.handoff', 'case.queue', 'cases.resync']) {
      this.socket.on(push, (data) => this.fire(push, data));
    }
    this.socket.on('room.resync', (d) => { this.resync(d).catch(() => {}); });
    // Pushes to me may have been lost between server processes (docs/protocol.md): the 1:1
    // envelopes among them wait in the inbox (directs.js reads it).
    this.socket.on('inbox.resync', () => { if (this.auth) this.fire('inbox.resync', {}); });
    this.socket.on('group.closed', (d) => {
      if (d && typeof d.room === 'string') this.dropRoom(d.room, 'closed');
    });
  }

  /** Forget `room` here (no request) and say so; false when I was not in it. */
  dropRoom(room, reason) {
    if (!this.rooms.delete(room)) return false;
    this.fire('room.left', { room, reason });
    return true;
  }

  fire(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Subscribe to a push or a status event; returns the unsubscribe function. */
  on(type, fn) {
    const listener = (ev) => fn(ev.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  get signedIn() {
    return this.auth !== null;
  }

  async loadIdentity() {
    this.identity = await loadIdentity();
    return this.identity;
  }

  /** Wait until the socket is connected (starting it if needed). */
  connected(timeoutMs = 15000) {
    if (this.socket.state === 'connected') return Promise.resolve();
    this.socket.connect();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject({ code: 'offline', message: 'offline' });
      }, timeoutMs);
      const off = this.socket.on('connect', () => {
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /**
   * Sign in (creating this device's identity the first time). `pseudonym` undefined keeps the
   * one the key already has, or lets the server generate one. Rejects with {code, message}.
   */
  async signIn(pseudonym) {
    if (!this.identity) this.identity = await createIdentity();
    this.signingIn = true;
    try {
      return await this.signInNow(pseudonym);
    } finally {
      this.signingIn = false;
    }
  }

  async signInNow(pseudonym) {
    await this.connected();
    if (this.auth) {
      // The relay answers already_authenticated to a second auth: start a fresh connection.
      this.socket.close();
      this.socket.state = 'idle';
      this.auth = null;
      await this.connected();
    }
    try {
      this.auth = await authenticate(this.socket, this.identity, pseudonym);
    } catch (err) {
      // Refused (a taken name, too many connections...): the relay would drop this unsigned
      // connection after its auth deadline, and a reconnect loop would follow. Close it; the
      // next attempt opens a fresh one. Nothing is signed in meanwhile.
      if (!this.accepted) this.rest();
      throw err;
    }
    this.accepted = true;
    if (this.identity.pseudonym !== this.auth.pseudonym) {
      await rememberPseudonym(this.identity, this.auth.pseudonym);
    }
    this.fire('signedin', this.auth);
    this.fire('status', { online: true });
    return this.auth;
  }

  /** Close the socket without ending the page's session for good (a later connect reopens). */
  rest() {
    this.socket.close();
    this.socket.state = 'idle';
  }

  async onConnect() {
    if (!this.accepted || !this.identity || this.signingIn) return;
    // A reconnect: the new connection is anonymous until we answer a new challenge.
    this.auth = null;
    try {
      this.auth = await authenticate(this.socket, this.identity);
      for (const room of [...this.rooms.keys()]) await this.rejoin(room);
      this.fire('status', { online: true, resumed: true });
    } catch (err) {
      this.fire('status', { online: false, error: err.code });
    }
  }

  /** Join `room` again (its group's tonight): 'rejoined' with the reply (the current members
   * and epoch; the e2ee layer shares a fresh sender key), or the room is dropped as closed.
   * True while I am still in it (with `resync`, also when the socket cut the request short). */
  async rejoin(room, { resync = false } = {}) {
    const groupId = this.rooms.get(room).group.id;
    try {
      const reply = await this.socket.request('group.join', { group_id: groupId });
      if (reply.room !== room) {
        // The night ended while we were away: that room is gone, and a new night starts with
        // its rules again, so do not slip into it silently.
        this.dropRoom(room, 'ended');
        await this.socket.request('group.leave', { room: reply.room }).catch(() => {});
        this.fire('group.closed', { room, reason: 'ended' });
        return false;
      }
      this.rooms.set(room, reply);
      this.fire('rejoined', reply);
      return true;
    } catch (err) {
      // A resync cut short by the socket: the reconnect joins every room again anyway.
      if (resync && TRANSPORT_ERRORS.includes(err.code)) return true;
      this.dropRoom(room, err.code || 'closed');
      this.fire('group.closed', { room, reason: err.code });
      return false;
    }
  }

  /** `room.resync`: the relay lost some of this room's pushes on their way to me (beyond its
   * replay window, docs/protocol.md). Join again, then say some messages may be missing
   * ('room.gap' {room}: rooms.js shows the line, e2ee/index.js fetches the inbox). */
  async resync(d) {
    const room = d && typeof d.room === 'string' ? d.room : null;
    if (!room || !this.rooms.has(room) || !this.auth) return;
    // The line is said even when the re-join was cut short: messages were lost either way.
    if (await this.rejoin(room, { resync: true })) this.fire('room.gap', { room });
  }

  /** Send a request on the signed-in connection (rejects {code, message}). */
  request(event, data = {}) {
    return this.socket.request(event, data);
  }

  async listGroups() {
    const reply = await this.request('groups.list', {});
    return reply.groups || [];
  }

  async joinGroup(groupId) {
    const reply = await this.request('group.join', { group_id: groupId });
    this.rooms.set(reply.room, reply);
    this.fire('room.joined', reply);
    return reply;
  }

  async leaveRoom(room) {
    this.dropRoom(room, 'left');
    try {
      await this.request('group.leave', { room });
    } catch (err) {
      // Leaving a room that already closed is fine: we are out either way.
    }
  }

  /** Close the connection for good (quick exit). */
  close() {
    this.rooms.clear();
    this.auth = null;
    this.socket.close();
  }
}
