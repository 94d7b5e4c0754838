/**
 * The counsellor's desk: availability and capacity, the risk-ordered queue (the relay's order:
 * level, then the wait), the cases I hold with the person's pseudonym and key, offers, re-alerts,
 * transfers, and queue health for the supervisor. State only; view.js draws it.
 *
 * The queue shown is the queue as it is now: offers come only up to my capacity, so the relay
 * also pushes `case.queue` {waiting, top_level, version} on every change, and the desk re-fetches
 * `case.list` unless the version is the one it holds; at most one fetch is in flight (a change
 * meanwhile is one more fetch after it). It also re-fetches after a reconnect, on `cases.resync`
 * and `inbox.resync` (case pushes lost between server processes on Redis), and every
 * SAFETY_REFRESH_MS while available. A growing queue is announced ('grew'); a level-4 case that
 * arrives while the console is open is marked new for FRESH_MS. The 1:1 with the
 * person is the page's ordinary end-to-end encrypted direct conversation (ctx.directs); a
 * location or contact detail the person shares for an emergency arrives in it as the
 * `emergency_share` control (js/cases/emergency.js) and is kept here, in memory only.
 */

import { decodeEmergency, EMERGENCY_SHARE } from '../../cases/emergency.js';

export const OUTCOMES = Object.freeze(['supported', 'referred', 'emergency_confirmed', 'person_left', 'no_response']);
export const MAX_CAPACITY = 10; // the relay's bound (docs/protocol.md, counsellor.availability)
export const MAX_SHARES = 20; // emergency details kept per person (the newest), in memory only
export const MAX_SHARERS = 50;
export const SAFETY_REFRESH_MS = 45000; // a slow safety net while available (pushes do the work)
export const FRESH_MS = 120000; // how long a level-4 arrival is marked new
export const URGENT_LEVEL = 4;

export class CounsellorDesk extends EventTarget {
  constructor(ctx) {
    super();
    this.ctx = ctx;
    this.available = false;
    this.capacity = 2;
    this.queue = [];
    this.mine = []; // CaseSummary + person
    this.ended = new Map(); // case_id -> outcome when the person left
    this.transfers = []; // {case, from}
    this.health = null;
    // pseudonym -> [{kind, value, at}]: emergency details a person sent me end to end. Kept by
    // sender, so one that arrives before the claim's refresh is not lost, but shown only in
    // the panel of a case I hold (a stranger's "emergency" never reaches the screen).
    this.shares = new Map();
    this.fetchedAt = Date.now(); // waited_s is as of this moment; the view adds the time since
    this.queueVersion = null; // case.list's queue_version: a case.queue of it changes nothing
    this.loaded = false; // a first list is not an arrival
    this.fresh = new Map(); // case_id -> when a level-4 case arrived while I watched
    this.inflight = null; // the one case.list fetch in flight
    this.again = false; // asked for again while it was in flight
    this.watching = false; // joined the supervisors' room (cases.health watch)
    const s = ctx.session;
    this.safety = setInterval(() => { if (this.available) this.refresh(); }, SAFETY_REFRESH_MS);
    this.offs = [
      s.on('case.queue', (p) => { if (!p || p.version !== this.queueVersion) this.refresh(); }),
      s.on('case.offer', () => this.refresh()),
      s.on('case.taken', () => this.refresh()),
      s.on('case.alert', () => { this.refresh(); this.fire('alert'); }),
      s.on('case.ended', (p) => { if (p) this.ended.set(p.case_id, p.outcome); this.fire('change'); }),
      s.on('case.transfer_offer', (p) => { if (p && p.case) this.transfers.push(p); this.fire('change'); }),
      s.on('case.transferred', () => this.refresh()),
      // Case pushes to the duty pool (`cases.resync`) or to me (`inbox.resync`: offers, a
      // person leaving) may have been lost between server processes: read the lists again.
      s.on('cases.resync', () => this.refresh()),
      s.on('inbox.resync', () => this.refresh()),
      s.on('signedin', () => this.rejoin()),
      // A reconnect signs the new connection in without 'signedin': the relay set me away when
      // the old one closed, and the new one is in no room yet, so no push would reach it.
      s.on('status', (st) => { if (st && st.online && st.resumed) this.rejoin(); }),
      ctx.directs.on('app-control', (d) => this.onAppControl(d)),
      ctx.directs.on('change', (c) => { if (this.mine.some((m) => m.person && m.person.pseudonym === c.peer)) this.fire('change'); }),
    ];
  }

  on(type, fn) {
    const listener = (ev) => fn(ev.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  fire(type) {
    this.dispatchEvent(new Event(type));
  }

  onAppControl({ convo, action, data, ts }) {
    if (action !== EMERGENCY_SHARE || !convo) return;
    const share = decodeEmergency(data);
    if (!share) return; // malformed: not shown (the Python client says bad_push)
    const list = this.shares.get(convo.peer) || [];
    list.push({ ...share, at: typeof ts === 'number' ? ts : Date.now() });
    this.shares.delete(convo.peer); // re-inserted: the map keeps the most recent senders
    this.shares.set(convo.peer, list.slice(-MAX_SHARES));
    while (this.shares.size > MAX_SHARERS) this.shares.delete(this.shares.keys().next().value);
    const mine = this.mine.find((m) => m.person && m.person.pseudonym === convo.peer);
    this.fire('change');
    if (mine) this.dispatchEvent(new CustomEvent('share', { detail: { pseudonym: convo.peer, kind: share.kind } }));
  }

  /** The emergency details the person of case `c` shared with me, oldest first. */
  sharesOf(c) {
    return (c.person && this.shares.get(c.person.pseudonym)) || [];
  }

  request(event, data = {}) {
    return this.ctx.session.request(event, data);
  }

  /** After a sign-in or a reconnect: available again if I was (and the lists re-fetched). */
  rejoin() {
    if (this.available) this.setAvailability(true, this.capacity).catch(() => this.refresh());
    else this.refresh();
  }

  async setAvailability(available, capacity = this.capacity) {
    const cap = Math.min(MAX_CAPACITY, Math.max(1, Number(capacity) || 1));
    const reply = await this.request('counsellor.availability', { available, capacity: cap });
    this.available = Boolean(reply.available);
    this.capacity = reply.capacity || cap;
    await this.refresh();
  }

  /** Re-fetch the lists, coalesced: resolves after a fetch that started after this call. */
  refresh() {
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.inflight = (async () => {
      try {
        do {
          this.again = false;
          await this.fetchLists();
        } while (this.again);
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  async fetchLists() {
    // Each on its own: offline keeps what is shown (the next push or reconnect refreshes), and
    // an admin watching queue health has no case list (not_counsellor) but follows the pushes.
    try {
      const reply = await this.request('case.list', {});
      this.arrived(reply.queue || []);
      this.queueVersion = typeof reply.queue_version === 'string' ? reply.queue_version : null;
      this.mine = reply.mine || [];
      this.fetchedAt = Date.now();
    } catch (err) {
      // kept as shown
    }
    try {
      this.health = await this.request('cases.health', this.watching ? { watch: true } : {});
    } catch (err) {
      // kept as shown
    }
    this.fire('change');
  }

  /** Take the new queue; note level-4 arrivals and say when the queue grew or one came. */
  arrived(queue) {
    const before = new Map(this.queue.map((c) => [c.case_id, c.level]));
    const now = Date.now();
    const urgent = this.loaded ? queue.filter((c) => c.level >= URGENT_LEVEL && !(before.get(c.case_id) >= URGENT_LEVEL)) : [];
    for (const c of urgent) this.fresh.set(c.case_id, now);
    for (const id of [...this.fresh.keys()]) if (!queue.some((c) => c.case_id === id)) this.fresh.delete(id);
    const grew = this.loaded && queue.length > this.queue.length;
    this.queue = queue;
    this.loaded = true;
    // Said when the count grows, and for a level-4 arrival even if someone else left meanwhile.
    if (grew || urgent.length) this.dispatchEvent(new CustomEvent('grew', { detail: { n: queue.length, urgent: urgent.length > 0 } }));
  }

  /** A level-4 case that arrived while the console was open, less than FRESH_MS ago. */
  isFresh(c) {
    const at = this.fresh.get(c.case_id);
    return at !== undefined && Date.now() - at < FRESH_MS;
  }

  /** Seconds a case has waited, now (the relay's figure plus the time since it was fetched). */
  waited(c) {
    return Math.max(0, Math.round((c.waited_s || 0) + (Date.now() - this.fetchedAt) / 1000));
  }

  async claim(c) {
    await this.request('case.claim', { case_id: c.case_id, version: c.version });
    await this.refresh();
  }

  /** The counsellor team key ring (js/e2ee/teamring.js): notes are sealed on this device. */
  ring() {
    if (!this.ctx.e2ee || typeof this.ctx.e2ee.teamRing !== 'function') {
      const err = new Error('no_team_key');
      err.code = 'no_team_key';
      throw err;
    }
    return this.ctx.e2ee.teamRing();
  }

  async close(caseId, outcome, notes = '') {
    const body = { case_id: caseId, outcome };
    if (outcome === 'emergency_confirmed') body.emergency_confirmed = true;
    if (notes.trim()) body.notes = await this.ring().seal(caseId, notes.trim());
    await this.request('case.close', body);
    this.ended.delete(caseId);
    const held = this.mine.find((m) => m.case_id === caseId);
    if (held && held.person) this.shares.delete(held.person.pseudonym); // gone with the case
    await this.refresh();
  }

  /** The closing notes of a case (mine or a colleague's), opened on this device. */
  async readNotes(caseId) {
    return this.ring().notes(caseId);
  }

  async transfer(caseId, to) {
    await this.request('case.transfer', { case_id: caseId, to });
    await this.refresh();
  }

  async answerTransfer(caseId, accept) {
    await this.request(accept ? 'case.transfer_accept' : 'case.transfer_decline', { case_id: caseId });
    this.transfers = this.transfers.filter((x) => x.case.case_id !== caseId);
    await this.refresh();
  }

  async loadHealth() {
    try {
      this.health = await this.request('cases.health', { watch: true });
      this.watching = true; // re-joined after a reconnect, with the next refresh
    } catch (err) {
      this.health = null;
    }
    this.fire('change');
  }

  messages(c) {
    return c.person ? this.ctx.directs.get(c.person.pseudonym).messages : [];
  }

  async send(c, text) {
    await this.ctx.directs.send(c.person.pseudonym, text);
  }

  dispose() {
    clearInterval(this.safety);
    this.offs.forEach((off) => off());
  }
}
