/**
 * One-to-one conversations on this device: who asked whom, who accepted, tonight's messages.
 * Blocking and muting are for yourself only: a blocked peer's envelopes are dropped here and
 * acknowledged so they leave the relay's inbox; the peer is not told.
 */

import { openDirectEnvelope, sendDirectControl, sendDirectText } from './messaging.js';
import { loadList } from './local.js';

export const STATES = ['none', 'requested', 'incoming', 'open', 'declined', 'ended'];

export class Directs extends EventTarget {
  constructor(session) {
    super();
    this.session = session;
    this.byPeer = new Map();
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

  async fetchInbox() {
    try {
      const reply = await this.session.request('inbox.fetch', {});
      await this.receive(reply.envelopes || []);
    } catch (err) {
      // Offline or not ready: envelopes wait in the relay's inbox until next time.
    }
  }

  async receive(envelopes) {
    const done = [];
    for (const env of envelopes) {
      if (loadList('blocked').includes(env.from)) {
        done.push(env.id);
        continue;
      }
      const opened = await openDirectEnvelope(env);
      if (!opened) continue; // unreadable now: leave it in the inbox for when keys are ready
      done.push(env.id);
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
    if (done.length) {
      try {
        await this.session.request('inbox.ack', { ids: done });
      } catch (err) {
        // acknowledged next time; the relay keeps them until then
      }
    }
  }

  async ask(peer, peerKey) {
    await sendDirectControl(peer, 'request');
    const c = this.get(peer);
    c.peerKey = peerKey || c.peerKey;
    c.state = 'requested';
    this.change(c);
  }

  async answer(peer, accept) {
    await sendDirectControl(peer, accept ? 'accept' : 'decline');
    const c = this.get(peer);
    c.state = accept ? 'open' : 'none';
    this.change(c);
  }

  async send(peer, text) {
    const reply = await sendDirectText(peer, text);
    const c = this.get(peer);
    c.messages.push({ id: reply.id, ts: reply.ts, mine: true, text });
    this.change(c);
  }
}
