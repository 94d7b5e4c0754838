/**
 * A small Socket.IO v5 / Engine.IO v4 client over the websocket transport only.
 *
 * It speaks the subset Iltapiiri uses (docs/protocol.md): one namespace "/", JSON events,
 * acknowledgements, server-driven ping/pong, and reconnect with exponential backoff and jitter.
 * No binary attachments and no long-polling: the relay enables neither.
 *
 * Packet shapes on the wire (one websocket text frame each):
 *
 *   Engine.IO      0{"sid":..,"pingInterval":..,"pingTimeout":..}   open (server -> client)
 *                  1                                                close
 *                  2 / 3                                            ping (server) / pong (client)
 *                  4<socket.io packet>                              message
 *   Socket.IO      0[{auth}]       connect the namespace ("40" on the wire)
 *                  0{"sid":..}     namespace connected (server -> client)
 *                  1               disconnect the namespace
 *                  2[<id>]["event",data]   event, with an ack id when an answer is wanted
 *                  3<id>[data]     ack
 *                  4{"message":..} connect error
 */

/** Client -> server call failed without an answer from the server. */
export const CLIENT_ERRORS = Object.freeze({
  timeout: 'timeout',
  disconnected: 'disconnected',
  offline: 'offline',
  badReply: 'bad_reply',
});

const DEFAULTS = Object.freeze({
  path: '/socket.io/',
  reconnect: true,
  backoffMinMs: 500,
  backoffMaxMs: 15000,
  jitter: 0.5, // +-50 %: spreads a crowd of clients after a server restart
  ackTimeoutMs: 10000,
  connectTimeoutMs: 10000,
});

/** The websocket URL of the relay on this page's own origin (never another origin). */
export function sameOriginSocketUrl(path = DEFAULTS.path, loc = globalThis.location) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}?EIO=4&transport=websocket`;
}

/** Delay before reconnect attempt `attempt` (0-based): capped exponential with jitter. */
export function backoffDelay(attempt, opts = DEFAULTS, random = Math.random) {
  const base = Math.min(opts.backoffMaxMs, opts.backoffMinMs * 2 ** Math.min(attempt, 20));
  const spread = base * opts.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}

/** Split a Socket.IO packet (after the Engine.IO "4") into {type, ackId, data}. */
export function parseSocketPacket(text) {
  const type = Number(text[0]);
  let i = 1;
  if (text[i] === '/') {
    // A namespace other than "/" is prefixed "/name,"; we only use "/", so skip it.
    const comma = text.indexOf(',', i);
    i = comma < 0 ? text.length : comma + 1;
  }
  let idDigits = '';
  while (i < text.length && text[i] >= '0' && text[i] <= '9') {
    idDigits += text[i];
    i += 1;
  }
  const rest = text.slice(i);
  const data = rest ? JSON.parse(rest) : undefined;
  return { type, ackId: idDigits ? Number(idDigits) : null, data };
}

export class SocketClient {
  /**
   * @param {object} options  url (defaults to this origin), reconnect, backoffMinMs, backoffMaxMs,
   *   jitter, ackTimeoutMs, connectTimeoutMs, WebSocketImpl (for tests).
   */
  constructor(options = {}) {
    this.opts = { ...DEFAULTS, ...options };
    this.url = options.url || sameOriginSocketUrl(this.opts.path);
    this.WebSocketImpl = options.WebSocketImpl || globalThis.WebSocket;
    this.state = 'idle'; // idle | connecting | connected | closed
    this.sid = null;
    this.attempt = 0;
    this.handlers = new Map();
    this.pending = new Map(); // ack id -> {resolve, reject, timer}
    this.nextAckId = 0;
    this.ws = null;
    this.pingTimer = null;
    this.reconnectTimer = null;
    this.pingDeadlineMs = 45000;
  }

  /** Register `handler` for a server event or a lifecycle event
   * (connect, disconnect, reconnecting, connect_error). Returns a function that unregisters it. */
  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(handler);
    return () => this.off(event, handler);
  }

  /** Unregister a handler added with on(). */
  off(event, handler) {
    const set = this.handlers.get(event);
    if (set) set.delete(handler);
  }

  emitLocal(event, ...args) {
    for (const handler of [...(this.handlers.get(event) || [])]) {
      try {
        handler(...args);
      } catch (err) {
        // One broken view must not stop the others from hearing the event.
        console.warn('socket handler failed for', event, err && err.name);
      }
    }
  }

  /** Open the connection (and keep it open: reconnects after a drop unless close() was called). */
  connect() {
    if (this.state === 'connecting' || this.state === 'connected') return;
    this.state = 'connecting';
    clearTimeout(this.reconnectTimer);
    let ws;
    try {
      ws = new this.WebSocketImpl(this.url);
    } catch (err) {
      this.handleDrop('connect_failed');
      return;
    }
    this.ws = ws;
    const connectTimer = setTimeout(() => {
      if (this.ws === ws && this.state === 'connecting') ws.close();
    }, this.opts.connectTimeoutMs);
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      if (typeof ev.data !== 'string') return; // JSON only: binary frames are not ours
      this.onFrame(ev.data, connectTimer);
    };
    ws.onclose = () => {
      clearTimeout(connectTimer);
      if (this.ws !== ws) return;
      this.handleDrop('transport_close');
    };
    ws.onerror = () => {
      // onclose follows; the reason reported there is enough.
    };
  }

  onFrame(frame, connectTimer) {
    const kind = frame[0];
    if (kind === '0') {
      const open = JSON.parse(frame.slice(1));
      this.pingDeadlineMs = (open.pingInterval || 25000) + (open.pingTimeout || 20000);
      this.armPingWatch();
      this.ws.send('40');
    } else if (kind === '2') {
      this.ws.send('3' + frame.slice(1));
      this.armPingWatch();
    } else if (kind === '1') {
      this.ws.close();
    } else if (kind === '4') {
      this.onSocketPacket(frame.slice(1), connectTimer);
    }
  }

  onSocketPacket(text, connectTimer) {
    let packet;
    try {
      packet = parseSocketPacket(text);
    } catch (err) {
      return; // a malformed frame is dropped; the connection goes on
    }
    if (packet.type === 0) {
      clearTimeout(connectTimer);
      this.sid = packet.data && packet.data.sid;
      this.state = 'connected';
      this.attempt = 0;
      this.emitLocal('connect');
    } else if (packet.type === 4) {
      clearTimeout(connectTimer);
      this.emitLocal('connect_error', packet.data || {});
      this.ws.close();
    } else if (packet.type === 2 && Array.isArray(packet.data) && packet.data.length) {
      const [event, ...args] = packet.data;
      this.emitLocal(event, ...args);
    } else if (packet.type === 3 && packet.ackId !== null) {
      const waiting = this.pending.get(packet.ackId);
      if (waiting) {
        this.pending.delete(packet.ackId);
        clearTimeout(waiting.timer);
        waiting.resolve(Array.isArray(packet.data) ? packet.data : []);
      }
    } else if (packet.type === 1) {
      // The relay says goodbye to everyone when it shuts down or restarts (python-socketio sends
      // "41" then), so treat it as a drop and come back with backoff. Unlike the official
      // client we do reconnect here: a person mid-conversation should not have to reload.
      const ws = this.ws;
      this.handleDrop('server_disconnect');
      if (ws) ws.close();
    }
  }

  armPingWatch() {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      if (this.ws) this.ws.close();
    }, this.pingDeadlineMs);
  }

  failPending(code) {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject({ code, message: code });
      this.pending.delete(id);
    }
  }

  handleDrop(reason) {
    clearTimeout(this.pingTimer);
    const wasConnected = this.state === 'connected';
    this.ws = null;
    this.sid = null;
    this.failPending(CLIENT_ERRORS.disconnected);
    if (this.state === 'closed') return;
    this.state = 'idle';
    if (wasConnected) this.emitLocal('disconnect', reason);
    if (!this.opts.reconnect) {
      this.state = 'closed';
      return;
    }
    const delay = backoffDelay(this.attempt, this.opts);
    this.attempt += 1;
    this.emitLocal('reconnecting', { attempt: this.attempt, delay });
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  shutdown(reason) {
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    clearTimeout(this.pingTimer);
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    this.ws = null;
    this.sid = null;
    this.failPending(CLIENT_ERRORS.disconnected);
    if (ws) ws.close();
    if (wasConnected) this.emitLocal('disconnect', reason);
  }

  /** Leave for good: tell the server, close the socket, stop reconnecting. */
  close() {
    if (this.ws && this.state === 'connected') {
      try {
        this.ws.send('41');
      } catch (err) {
        // already closing
      }
    }
    this.shutdown('client_close');
  }

  /** Send an event with no acknowledgement. Returns false when not connected. */
  emit(event, data) {
    if (this.state !== 'connected') return false;
    this.ws.send('42' + JSON.stringify([event, data]));
    return true;
  }

  /** Send an event and wait for its ack: the raw ack arguments (an array). */
  call(event, data, timeoutMs = this.opts.ackTimeoutMs) {
    if (this.state !== 'connected') {
      return Promise.reject({ code: CLIENT_ERRORS.offline, message: CLIENT_ERRORS.offline });
    }
    const id = this.nextAckId;
    this.nextAckId = (this.nextAckId + 1) % 2 ** 31;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject({ code: CLIENT_ERRORS.timeout, message: CLIENT_ERRORS.timeout });
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send('42' + id + JSON.stringify([event, data]));
    });
  }

  /**
   * The protocol's request: resolves the ack object when it says ok:true, rejects with
   * {code, message} when it says ok:false, times out, or the connection drops.
   */
  async request(event, data = {}, { timeoutMs } = {}) {
    const args = await this.call(event, data, timeoutMs);
    const reply = args[0];
    if (!reply || typeof reply !== 'object') {
      throw { code: CLIENT_ERRORS.badReply, message: CLIENT_ERRORS.badReply };
    }
    if (reply.ok !== true) {
      // A refusal may say why and until when (`notice`, a sanction in force): kept for the view.
      const err = { code: String(reply.error || 'internal'), message: String(reply.message || '') };
      if (reply.notice && typeof reply.notice === 'object') err.notice = reply.notice;
      throw err;
    }
    return reply;
  }
}
