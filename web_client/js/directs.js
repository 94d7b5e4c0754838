/**
 * One-to-one conversations on this device: who asked whom, who accepted, tonight's messages.
 * Blocking and muting are for yourself only: a blocked peer's envelopes are dropped here and
 * acknowledged so they leave the relay's inbox; the peer is not told.
 *
 * Ending a chat (either side) is an end-to-end encrypted control message (`dm_end`) in the
 * usual direct envelope: the relay sees only another envelope. Both sides drop the chat's
 * messages from this device and either may ask again later.
 *
 * Events: 'change' (conversation), 'message' ({convo, message}: a new message, mine or theirs),
 * 'message-state' ({convo, message}: my message moved sending -> delivered | failed),
 * 'app-control' ({convo, action, data, ts}: an application control such as `emergency_share`,
 * for whoever knows it; this module keeps nothing of it).
 */

import { loadList } from './local.js';

export const STATES = ['none', 'requested', 'incoming', 'open', 'declined', 'ended'];
export const INBOX_BATCH = 200; // the relay's most envelopes per inbox.fetch (server/limits.py)
export const MAX_ACK_IDS = 100; // the relay's most ids per inbox.ack, unless hello says otherwise
export const MAX_INBOX_ROUNDS = 10;
export const TYPING_SEND_MS = 3000; // at most one "typing" per chat in this time
export const TYPING_SHOW_MS = 6000; // how long "X is typing…" shows after a signal // a full inbox (500 by default) takes three; new ones are pushed

export class Directs extends EventTarget {
  constructor(session, messaging) {
    super();
    this.session = session;
    this.messaging = messaging;
    this.byPeer = new Map();
    this.inboxRun = Promise.resolve();
    this.nextLocal = 1;
    session.on('direct.envelope', (env) => this.receive([env]));
    session.on('direct.typing', (d) => this.onTyping(d));
    this.typingSent = new Map(); // peer -> when I last said I am typing
    session.on('signedin', () => this.fetchInbox());
    // Pushes were lost (room.resync, session.js): 1:1 envelopes lost with them (a sender key
    // among them, maybe) wait in the inbox.
    session.on('room.gap', () => this.fetchInbox());
    // ... and when the relay's process was not subscribed to my channel for a while.
    session.on('inbox.resync', () => this.fetchInbox());
  }

  on(type, fn) {
    const listener = (ev) => fn(ev.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  get(peer) {
    if (!this.byPeer.has(peer)) {
      this.byPeer.set(peer, { peer, peerKey: null, state: 'none', messages: [], endedBy: null });
    }
    return this.byPeer.get(peer);
  }

  list() {
    return [...this.byPeer.values()].filter((c) => c.state !== 'none');
  }

  change(convo) {
    this.fire('change', convo);
  }

  fire(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * Catch up with the relay's inbox after a sign-in: fetch a batch, open and acknowledge it, and
   * fetch again until the inbox is empty. Bounded: at most MAX_INBOX_ROUNDS batches, and it stops
   * when encryption is not ready (nothing could be read: the envelopes wait for the call the
   * engine makes once it is). Calls run one after the other, never two drains at once.
   */
  fetchInbox() {
    this.inboxRun = this.inboxRun.then(() => this.drainInbox(), () => this.drainInbox());
    return this.inboxRun;
  }

  async drainInbox() {
    for (let round = 0; round < MAX_INBOX_ROUNDS; round += 1) {
      let envelopes;
      try {
        envelopes = (await this.session.request('inbox.fetch', {})).envelopes || [];
      } catch (err) {
        return; // offline: envelopes wait in the relay's inbox until next time
      }
      if (!envelopes.length) return;
      const acknowledged = await this.receive(envelopes);
      if (envelopes.length < INBOX_BATCH) return; // that was all of it
      // Nothing readable yet (keys not loaded): the rest waits for the call after sign-in.
      if (acknowledged === 0 && !this.messaging.encryptionReady()) return;
    }
  }

  ackLimit() {
    const limits = this.session.auth && this.session.auth.limits;
    const n = limits && limits.max_ack_ids;
    return Number.isInteger(n) && n > 0 ? n : MAX_ACK_IDS;
  }

  /** Acknowledge `ids` in requests of at most the relay's limit; how many were sent. */
  async ack(ids) {
    let sent = 0;
    for (let i = 0; i < ids.length; i += this.ackLimit()) {
      const chunk = ids.slice(i, i + this.ackLimit());
      try {
        await this.session.request('inbox.ack', { ids: chunk });
        sent += chunk.length;
      } catch (err) {
        // acknowledged next time; the relay keeps them until then
      }
    }
    return sent;
  }

  /** Open envelopes in order, acknowledging as it goes; resolves how many were acknowledged. */
  async receive(envelopes) {
    let done = [];
    let acknowledged = 0;
    for (const env of envelopes) {
      if (done.length >= this.ackLimit()) {
        acknowledged += await this.ack(done);
        done = [];
      }
      if (loadList('blocked').includes(env.from)) {
        done.push(env.id);
        continue;
      }
      const opened = await this.messaging.openDirectEnvelope(env);
      if (!opened) continue; // unreadable now: leave it in the inbox for when keys are ready
      done.push(env.id);
      if (opened.type === 'undecryptable') continue; // it never will be: acknowledged, not shown
      const convo = this.get(env.from);
      convo.peerKey = env.from_key;
      if (opened.type === 'control' && opened.data instanceof Uint8Array) {
        this.fire('app-control', { convo, action: opened.action, data: opened.data, ts: env.ts });
      } else if (opened.type === 'control') {
        const next = { request: 'incoming', accept: 'open', decline: 'declined', end: 'ended' }[opened.action];
        if (next) convo.state = next;
        if (next === 'ended') this.dropHistory(convo, 'them');
        else if (next) convo.endedBy = null;
      } else if (opened.type === 'text' && !loadList('muted').includes(env.from)) {
        if (convo.state !== 'open') convo.state = 'open';
        convo.endedBy = null;
        const message = { id: env.id, ts: env.ts, sender: env.from, senderKey: env.from_key,
          mine: false, text: opened.text,
          franking: { id: env.id, ts: env.ts, sender: env.from, sender_key: env.from_key,
            commitment: env.commitment || null, stamp: env.stamp || null,
            opening: opened.franking || null } };
        convo.messages.push(message);
        convo.typingUntil = 0;
        this.fire('message', { convo, message });
      }
      this.change(convo);
    }
    if (done.length) acknowledged += await this.ack(done);
    return acknowledged;
  }

  async ask(peer, peerKey) {
    await this.messaging.sendDirectControl(peer, 'request');
    const c = this.get(peer);
    c.peerKey = peerKey || c.peerKey;
    c.state = 'requested';
    c.endedBy = null;
    this.change(c);
  }

  async answer(peer, accept) {
    await this.messaging.sendDirectControl(peer, accept ? 'accept' : 'decline');
    const c = this.get(peer);
    c.state = accept ? 'open' : 'none';
    this.change(c);
  }

  /** Send an application control (`emergency_share`) with its data to `peer`, end to end. */
  async sendApp(peer, action, data) {
    return this.messaging.sendDirectAppControl(peer, action, data);
  }

  /** End the chat with `peer`: they are told (end to end), and its messages leave this device. */
  async end(peer) {
    await this.messaging.sendDirectControl(peer, 'end');
    const c = this.get(peer);
    c.state = 'ended';
    this.dropHistory(c, 'me');
    this.change(c);
  }

  /**
   * Typing in 1:1 (docs/protocol.md "Typing in 1:1"): a content-free signal, only for a chat
   * that is open and not blocked; shown for TYPING_SHOW_MS unless a message comes first.
   */
  onTyping(d) {
    const from = d && typeof d.from === 'string' ? d.from : null;
    const c = from && this.byPeer.get(from);
    if (!c || c.state !== 'open' || loadList('blocked').includes(from) || loadList('muted').includes(from)) return;
    c.typingUntil = Date.now() + TYPING_SHOW_MS;
    this.fire('typing', c);
  }

  /** Say "I am typing" to `peer`, at most once per TYPING_SEND_MS; never waits, never throws. */
  typing(peer, now = Date.now()) {
    const c = this.byPeer.get(peer);
    if (!c || c.state !== 'open' || now - (this.typingSent.get(peer) || 0) < TYPING_SEND_MS) return;
    this.typingSent.set(peer, now);
    this.session.request('direct.typing', { to: peer }).catch(() => {});
  }

  /** The chat ended (`by` 'me' or 'them'): nothing of it stays in this page. */
  dropHistory(convo, by) {
    convo.messages = [];
    convo.endedBy = by;
    this.fire('ended', convo);
  }

  /**
   * Send `text`, shown at once as 'sending', then 'delivered' (the relay took it) or 'failed'
   * with a retry (no connection, timed out). Refusals that waiting does not cure (encryption
   * not ready, too large, rate limited) take it back out and reject, so the composer keeps the
   * text and says why.
   */
  async send(peer, text) {
    const c = this.get(peer);
    this.typingSent.delete(peer); // the message ends "typing" there; the next key says it again
    const message = { id: `local-${this.nextLocal++}`, ts: Date.now(),
      mine: true, text, state: 'sending' };
    c.messages.push(message);
    this.fire('message', { convo: c, message });
    try {
      await this.attempt(c, message);
    } catch (err) {
      const code = err && err.code;
      if (!RETRYABLE.includes(code)) {
        c.messages = c.messages.filter((m) => m !== message);
        this.change(c);
        throw err;
      }
    }
    return message;
  }

  async attempt(convo, message) {
    this.setState(convo, message, 'sending');
    try {
      const reply = await this.messaging.sendDirectText(convo.peer, message.text);
      message.relayId = reply.id || null;
      message.ts = reply.ts || message.ts;
      this.setState(convo, message, 'delivered');
    } catch (err) {
      this.setState(convo, message, 'failed');
      throw err;
    }
  }

  /** The person pressed "retry" on a failed message. */
  async retry(peer, message) {
    const c = this.get(peer);
    if (message.state !== 'failed' || !c.messages.includes(message)) return;
    await this.attempt(c, message).catch(() => {});
  }

  setState(convo, message, state) {
    message.state = state;
    this.fire('message-state', { convo, message });
  }
}

// Refusals after which the message stays in the chat as "not sent" with a retry button.
const RETRYABLE = Object.freeze(['offline', 'disconnected', 'timeout', 'not_authenticated', 'internal']);
