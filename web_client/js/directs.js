/**
 * One-to-one conversations on this device: who asked whom, who accepted, tonight's messages.
 * Blocking and muting are for yourself only: a blocked peer's envelopes are dropped here and
 * acknowledged so they leave the relay's inbox; the peer is not told.
 */

import { loadList } from './local.js';

export const STATES = ['none', 'requested', 'incoming', 'open', 'declined', 'ended'];
export const INBOX_BATCH = 200; // the relay's most envelopes per inbox.fetch (server/limits.py)
export const MAX_ACK_IDS = 100; // the relay's most ids per inbox.ack, unless hello says otherwise
export const MAX_INBOX_ROUNDS = 10; // a full inbox (500 by default) takes three; new ones are pushed

export class Directs extends EventTarget {
  constructor(session, messaging) {
    super();
    this.session = session;
    this.messaging = messaging;
    this.byPeer = new Map();
    this.inboxRun = Promise.resolve();
    session.on('direct.envelope', (env) => this.receive([env]));
    session.on('signedin', () => this.fetchInbox());
  }

  on(type, fn) {
    const listener = (ev) => fn(ev.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  get(peer) {
    if (!this.byPeer.has(peer)) this.byPeer.set(peer, { peer, peerKey: null, state: 'none', messages: [] });
    return this.byPeer.get(peer);
  }

  list() {
    return [...this.byPeer.values()].filter((c) => c.state !== 'none');
  }

  change(convo) {
    this.dispatchEvent(new CustomEvent('change', { detail: convo }));
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
      if (opened.type === 'control') {
        const next = { request: 'incoming', accept: 'open', decline: 'declined', end: 'ended' }[opened.action];
        if (next) convo.state = next;
      } else if (opened.type === 'text' && !loadList('muted').includes(env.from)) {
        if (convo.state !== 'open') convo.state = 'open';
        convo.messages.push({ id: env.id, ts: env.ts, sender: env.from, senderKey: env.from_key,
          mine: false, text: opened.text,
          franking: { id: env.id, ts: env.ts, sender: env.from, sender_key: env.from_key,
            commitment: env.commitment || null, stamp: env.stamp || null,
            opening: opened.franking || null } });
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
    this.change(c);
  }

  async answer(peer, accept) {
    await this.messaging.sendDirectControl(peer, accept ? 'accept' : 'decline');
    const c = this.get(peer);
    c.state = accept ? 'open' : 'none';
    this.change(c);
  }

  async send(peer, text) {
    const reply = await this.messaging.sendDirectText(peer, text);
    const c = this.get(peer);
    c.messages.push({ id: reply.id, ts: reply.ts, mine: true, text });
    this.change(c);
  }
}
