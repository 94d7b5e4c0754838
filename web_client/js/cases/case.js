/**
 * The person's request for a counsellor (docs/protocol.md, "Escalation"): one open case at a
 * time, its status from the relay (honest position, estimated wait, fallback, counsellor), and
 * the 1:1 with the counsellor over the ordinary end-to-end encrypted direct envelopes (js/directs.js).
 * The case code stays on this device only (localStorage), so a reload or a dropped connection
 * returns to the case with `case.resume`; the quick exit's "forget this device" wipes it.
 */

import { loadValue, saveValue } from '../local.js';
import { EMERGENCY_SHARE, encodeEmergency } from './emergency.js';

export const CODE_KEY = 'case.code';
export const CASE_PUSHES = Object.freeze(['case.update', 'case.counsellor', 'case.closed', 'case.invite']);
export const ENDED = Object.freeze(['closed', 'declined', 'expired']);

export class PeerCase extends EventTarget {
  constructor(session, directs) {
    super();
    this.session = session;
    this.directs = directs;
    this.status = null; // the last CaseStatus
    this.rated = false;
    this.shares = []; // {kind, value, at, to}: what I shared this page (memory only, never stored)
    this.toShare = []; // group messages I chose to share at a hand-off, until a counsellor comes
    session.on('case.update', (s) => this.apply(s));
    session.on('case.counsellor', (p) => {
      if (this.status && p && p.case_code === this.status.case_code) {
        this.apply({ ...this.status, counsellor: p.counsellor, state: 'active' });
        this.sendShared();
      }
    });
    session.on('case.closed', (p) => {
      if (this.status && p && p.case_code === this.status.case_code) {
        this.apply({ ...this.status, state: 'closed', outcome: p.outcome, position: null });
      }
    });
    this.invite = null; // a moderator's pending hand-off (`case.invite`), until answered
    session.on('case.invite', (p) => {
      if (!p || typeof p.case_code !== 'string' || this.open) return;
      this.invite = { case_code: p.case_code, room: String(p.room || ''), level: Number(p.level) || 3 };
      this.dispatchEvent(new Event('invite'));
    });
    session.on('signedin', () => { this.resume(); });
    // Pushes to me (my position, the counsellor, the end) may have been lost between server
    // processes: read my case again, on the same socket, without leaving the view I am in.
    session.on('inbox.resync', () => { this.reread(); });
    directs.on('change', (c) => {
      if (this.counsellorPseudonym() === c.peer) this.fire();
    });
    // My own messages to the counsellor (sending, then delivered or failed) show as they go.
    for (const type of ['message', 'message-state']) {
      directs.on(type, (d) => {
        if (d && d.convo && this.counsellorPseudonym() === d.convo.peer) this.fire();
      });
    }
  }

  on(fn) {
    const listener = () => fn(this.status);
    this.addEventListener('change', listener);
    return () => this.removeEventListener('change', listener);
  }

  fire() {
    this.dispatchEvent(new Event('change'));
  }

  apply(status) {
    if (!status || typeof status.case_code !== 'string') return;
    this.status = status;
    saveValue(CODE_KEY, ENDED.includes(status.state) && this.rated ? null : status.case_code);
    this.fire();
  }

  get open() {
    return Boolean(this.status && !ENDED.includes(this.status.state));
  }

  counsellorPseudonym() {
    return this.status && this.status.counsellor ? this.status.counsellor.pseudonym : null;
  }

  /** Ask for a counsellor; `level` and `source: 'detector'` when the detector offered it. */
  async request({ level = null, source = 'self', reason = null } = {}) {
    const body = { source };
    if (level) body.level = Math.min(4, Math.max(1, level));
    if (reason) body.reason = reason;
    this.rated = false;
    this.shares = [];
    const status = await this.session.request('case.request', body);
    this.apply(status);
    return status;
  }

  /** Back to the stored case after a reload or reconnect; a case the relay no longer knows is
   * forgotten here. */
  async resume() {
    const code = loadValue(CODE_KEY, null);
    if (typeof code !== 'string') return null;
    try {
      const status = await this.session.request('case.resume', { case_code: code });
      this.apply(status);
      this.dispatchEvent(new Event('resumed'));
      return status;
    } catch (err) {
      if (err && err.code === 'unknown_case') {
        saveValue(CODE_KEY, null);
        this.status = null;
        this.fire();
      }
      return null;
    }
  }

  /** After `inbox.resync`: my open case as the relay has it now (kept as shown if that fails). */
  async reread() {
    if (!this.open) return;
    try {
      this.apply(await this.session.request('case.resume', { case_code: this.status.case_code }));
    } catch (err) {
      // kept as shown: the next push, resync or sign-in reads it again
    }
  }

  /** Answer a moderator's hand-off: nobody is moved without saying yes. Accepting opens the
   * request (the case code is kept like one the person asked for); declining ends it. */
  async consent(accept, share = []) {
    const invite = this.invite;
    if (!invite) return null;
    this.invite = null;
    this.rated = false;
    const texts = accept ? share.filter((x) => typeof x === 'string' && x) : [];
    const status = await this.session.request('case.consent', { case_code: invite.case_code, accept: Boolean(accept), share_count: texts.length });
    if (accept) {
      this.toShare = texts; // sent first, end to end, once a counsellor has the case
      this.apply(status);
    }
    return status;
  }

  /** The messages I chose to share go to the counsellor first (page memory only). */
  sendShared() {
    const peer = this.counsellorPseudonym();
    if (!peer || !this.toShare.length) return;
    const texts = this.toShare;
    this.toShare = [];
    (async () => {
      for (const text of texts) await this.directs.send(peer, text);
    })().catch(() => {});
  }

  async leave() {
    if (!this.status) return;
    const status = await this.session.request('case.leave', { case_code: this.status.case_code });
    this.apply(status);
  }

  /** The one-tap rating after the end; the code is forgotten after it. */
  async rate(rating) {
    if (!this.status) return;
    await this.session.request('case.rate', { case_code: this.status.case_code, rating });
    this.rated = true;
    saveValue(CODE_KEY, null);
    this.fire();
  }

  messages() {
    const peer = this.counsellorPseudonym();
    return peer ? this.directs.get(peer).messages : [];
  }

  async send(text) {
    const peer = this.counsellorPseudonym();
    if (!peer || !this.open) throw Object.assign(new Error('no counsellor'), { code: 'case_state' });
    await this.directs.send(peer, text);
  }

  /** Share a location or contact detail for an emergency with the counsellor who has the case,
   * and only them: the `emergency_share` control inside the end-to-end encrypted 1:1 (the relay
   * sees one more envelope). Kept in this page's memory to show what was shared, never stored. */
  async shareEmergency(kind, value) {
    const peer = this.counsellorPseudonym();
    if (!peer || !this.open) throw Object.assign(new Error('no counsellor'), { code: 'case_state' });
    const data = encodeEmergency(kind, value);
    await this.directs.sendApp(peer, EMERGENCY_SHARE, data);
    const share = { kind, value: value.trim(), at: Date.now(), to: this.status.counsellor.name };
    this.shares.push(share);
    this.fire();
    return share;
  }

  /** The relay's error for a case the person has already ended: start a new one. */
  reset() {
    saveValue(CODE_KEY, null);
    this.status = null;
    this.rated = false;
    this.shares = [];
    this.fire();
  }
}
