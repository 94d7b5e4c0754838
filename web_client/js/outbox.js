/**
 * My group messages on their way: each one is shown at once with a delivery state, and a
 * message written while the connection is down waits here and is sent once when it is back.
 *
 * States (the `state` of an own message in rooms.js, drawn by the chat view):
 *   sending   -> delivered   the relay acknowledged it (room.send answered ok)
 *   sending   -> queued      no connection (never left, or the connection dropped on the way)
 *   queued    -> sending     the session is back (status resumed): retried once, in order
 *   sending   -> failed      refused or timed out, or the one retry failed: a "retry" button
 *   failed    -> sending     the person pressed retry
 * Other refusals of the first attempt (encryption not ready, rate limited, too large) take the
 * message back out of the list and reach the composer, which keeps the text and says why.
 */

// Not sent, or not known to have arrived, because the connection was down or not signed in yet.
import { flagOwnMessage } from './safety/flags.js';

export const NETWORK_CODES = Object.freeze(['offline', 'disconnected', 'not_authenticated']);

export class Outbox {
  constructor(session, messaging, rooms) {
    this.session = session;
    this.messaging = messaging;
    this.rooms = rooms;
    this.queue = []; // own messages in state 'queued', oldest first
    this.flushing = null;
    this.nextId = 1;
    this.online = true; // the session's last word; the socket is up before sign-in is done
    session.on('status', ({ online, resumed }) => {
      this.online = online;
      if (online && resumed) this.flush();
    });
    session.on('signedin', () => this.flush());
  }

  /** Send `text` to `roomId`, shown at once. Resolves when it is delivered or queued. */
  async sendGroup(roomId, text) {
    const message = this.rooms.addPending(roomId, text, `local-${this.nextId++}`);
    if (!message) throw { code: 'not_in_room' };
    if (this.queue.length || !this.isOnline()) {
      // Keep the order: nothing overtakes a message still waiting for the connection.
      this.enqueue(message);
      return message;
    }
    try {
      await this.attempt(message);
    } catch (err) {
      const code = err && err.code;
      if (NETWORK_CODES.includes(code)) {
        this.enqueue(message);
      } else if (code === 'timeout') {
        this.rooms.setState(message, 'failed', code);
      } else {
        this.rooms.removeMessage(message);
        throw err;
      }
    }
    return message;
  }

  isOnline() {
    return this.online && this.session.signedIn && this.session.socket.state === 'connected';
  }

  enqueue(message) {
    this.queue.push(message);
    this.rooms.setState(message, 'queued');
  }

  async attempt(message) {
    this.rooms.setState(message, 'sending');
    const reply = await this.messaging.sendGroupText(message.room, message.text);
    this.rooms.setState(message, 'delivered', null, reply);
    this.flagOwn(message.room, message.text, reply);
  }

  /** My delivered message, rated level 2 or more by the detector: flag it myself (source
   * "self", metadata only, safety/flags.js), as the Python client does. Never holds up sending;
   * a refused or lost flag changes nothing here. */
  flagOwn(room, text, reply) {
    flagOwnMessage((name, data) => this.session.request(name, data), room, text, reply)
      .catch(() => {});
  }

  /** Back online: send every queued message once, oldest first; what fails shows "retry". */
  flush() {
    if (this.flushing || !this.queue.length) return this.flushing;
    this.flushing = (async () => {
      while (this.queue.length) {
        const message = this.queue.shift();
        try {
          await this.attempt(message);
        } catch (err) {
          this.rooms.setState(message, 'failed', (err && err.code) || 'internal');
        }
      }
    })().finally(() => { this.flushing = null; });
    return this.flushing;
  }

  /** The person pressed "retry" on a failed message. */
  async retry(message) {
    if (message.state !== 'failed') return;
    if (!this.isOnline()) {
      this.enqueue(message);
      return;
    }
    try {
      await this.attempt(message);
    } catch (err) {
      const code = err && err.code;
      if (NETWORK_CODES.includes(code)) this.enqueue(message);
      else this.rooms.setState(message, 'failed', code || 'internal');
    }
  }

  /** Quick exit: nothing waits to be sent after the page is left. */
  clear() {
    this.queue = [];
  }
}
