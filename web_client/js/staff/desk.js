/**
 * The moderator's desk: what the console shows, kept while views come and go. One per page,
 * made by mountStaff. It listens to the session (pushes) and to the rooms (decrypted messages):
 *
 *  - every message this client decrypts in a group room is run through the detector (the same
 *    one the writer's own client runs); at level 2 and above a `flag` with source "moderator"
 *    goes to the relay: metadata only (room, message id = seq, level, categories, rule ids,
 *    writer), never text, as client/moderation.py does in Python (ARCHITECTURE section 1);
 *  - alerts (`mod.alert`, `mod.alert_update`), reports (`mod.report`), the duty state, the
 *    sanctions this console knows to be in force (`mod.sanctions` when the relay lists them,
 *    plus every sanction imposed from here).
 *
 * Events: 'flag' {room, seq}, 'alerts', 'alert' (a new one, for the sound and notification),
 * 'reports', 'sanctions', 'duty', 'debriefs' (a colleague asks for one).
 */

import { check } from '../safety/detector-hook.js';
import { flagPayload as buildFlag } from '../safety/flags.js';

export const MAX_ALERTS_KEPT = 100;
export const MAX_REPORTS_KEPT = 100;
export const MAX_OPEN_ROOMS = 2; // the console shows two rooms side by side

/** The flag for a decrypted message, or null (below level 2, or nothing to flag). */
export function flagPayload(verdict, room, message) {
  return buildFlag(verdict, { room, messageId: message.seq, source: 'moderator',
    pseudonym: message.sender });
}

export class Desk extends EventTarget {
  constructor(ctx, start = {}) {
    super();
    this.ctx = ctx;
    this.session = ctx.session;
    // What the relay says at sign-in (a reload within the duty grace is still on duty).
    this.onDuty = Boolean(ctx.session.auth && ctx.session.auth.onDuty === true);
    this.loadCap = Number.isInteger(start.load_cap) ? start.load_cap : null;
    this.reasons = start.reasons && typeof start.reasons === 'object' ? start.reasons : {};
    this.flags = new Map(); // room -> Map(seq -> {severity, categories, source})
    this.alerts = []; // newest first
    this.reports = [];
    this.sanctions = new Map(); // sanction_id -> Sanction
    this.debriefs = []; // colleagues on duty asking for a debrief: {by, at}
    this.open = []; // room ids shown in the console, at most MAX_OPEN_ROOMS
    const socket = this.session.socket;
    this.offs = [
      ctx.rooms.on('message', ({ room, message }) => { this.inspect(room, message); }),
      socket.on('mod.alert', (a) => this.onAlert(a)),
      socket.on('mod.alert_update', (u) => this.onAlertUpdate(u)),
      socket.on('mod.report', (r) => this.onReport(r)),
      socket.on('room.tombstone', (d) => this.onTombstone(d)),
      socket.on('mod.debrief', (d) => this.onDebrief(d)),
      ctx.session.on('room.joined', () => { this.refreshSanctions(); }),
      // A reconnect signs in again: the relay says whether it still has us on duty (a
      // reconnect within the grace keeps duty; after it we are off, and go on again by
      // choice). The console shows what the relay says.
      this.session.on('status', ({ online, resumed }) => {
        if (!online || !resumed || !this.session.auth) return;
        const on = this.session.auth.onDuty === true;
        if (on !== this.onDuty) {
          this.onDuty = on;
          this.fire('duty', on);
        }
      }),
    ];
  }

  fire(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  on(type, fn) {
    const listener = (ev) => fn(ev.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  dispose() {
    this.offs.forEach((off) => off());
  }

  /** Run the detector on a message this client decrypted; flag it at level 2 and above. */
  async inspect(room, message) {
    if (message.mine || message.system || typeof message.text !== 'string' || message.seq == null) return;
    const verdict = await check(message.text, null);
    const payload = flagPayload(verdict, room.room, message);
    if (!payload) return;
    const byRoom = this.flags.get(room.room) || new Map();
    this.flags.set(room.room, byRoom);
    byRoom.set(message.seq, { severity: payload.severity, categories: payload.categories,
      source: 'moderator' });
    this.fire('flag', { room: room.room, seq: message.seq });
    try {
      await this.session.request('flag', payload);
    } catch (err) {
      // Refused (say, not yet a member): the highlight here stays; nothing else changes.
    }
  }

  flagOf(roomId, seq) {
    const byRoom = this.flags.get(roomId);
    return (byRoom && byRoom.get(seq)) || null;
  }

  async setDuty(on) {
    const reply = await this.session.request('mod.duty', { on: Boolean(on) });
    this.onDuty = Boolean(reply.on_duty);
    this.fire('duty', this.onDuty);
    return this.onDuty;
  }

  onAlert(a) {
    if (!a || typeof a.alert_id !== 'string') return;
    const known = this.alerts.find((x) => x.alert_id === a.alert_id);
    if (known) Object.assign(known, a);
    else {
      this.alerts.unshift({ ...a });
      if (this.alerts.length > MAX_ALERTS_KEPT) this.alerts.pop();
    }
    // The alert also marks the message (a writer's own flag, say, seen here first).
    const seq = Number(a.message_id);
    if (typeof a.room === 'string' && Number.isInteger(seq)) {
      const byRoom = this.flags.get(a.room) || new Map();
      this.flags.set(a.room, byRoom);
      const had = byRoom.get(seq);
      if (!had || had.severity < a.severity) {
        byRoom.set(seq, { severity: a.severity, categories: a.categories || [], source: a.source });
        this.fire('flag', { room: a.room, seq });
      }
    }
    this.fire('alerts', this.alerts);
    if (!known || a.widened) this.fire('alert', a);
  }

  onAlertUpdate(u) {
    const known = u && this.alerts.find((x) => x.alert_id === u.alert_id);
    if (!known) return;
    known.state = u.state;
    known.by = u.by;
    this.fire('alerts', this.alerts);
  }

  async ack(alertId) {
    const reply = await this.session.request('alert.ack', { alert_id: alertId });
    this.onAlertUpdate({ alert_id: alertId, state: reply.state, by: this.session.auth.pseudonym });
    return reply;
  }

  get openAlerts() {
    return this.alerts.filter((a) => a.state === 'open').length;
  }

  /** A report pushed by the relay; the e2ee engine opens and verifies it when it can. */
  async onReport(r) {
    if (!r || typeof r !== 'object') return;
    let opened = null;
    const engine = this.ctx.e2ee;
    if (engine && typeof engine.openModReport === 'function') {
      try {
        opened = await engine.openModReport(r); // js/e2ee/reports.js: opens the box, checks
      } catch (err) {
        opened = null;
      }
    }
    // "Verified" only when the engine says so (stamp + commitment + fields); else not verified.
    this.reports.unshift({ push: r, opened, verified: Boolean(opened && opened.verified === true) });
    if (this.reports.length > MAX_REPORTS_KEPT) this.reports.pop();
    this.fire('reports', this.reports);
  }

  onTombstone(d) {
    if (!d || typeof d.room !== 'string') return;
    const room = this.ctx.rooms.get(d.room);
    const seq = Number(d.message_id);
    const m = room && room.messages.find((x) => x.seq === seq);
    if (m) {
      m.text = null;
      m.removed = true;
      this.fire('flag', { room: d.room, seq });
    }
  }

  /** Impose a sanction (docs/protocol.md "mod.sanction"); resolves the Sanction. */
  async sanction(fields) {
    const reply = await this.session.request('mod.sanction', fields);
    const s = reply.sanction;
    if (s && s.sanction_id) this.sanctions.set(s.sanction_id, s);
    if (fields.kind === 'delete_message') this.onTombstone({ room: fields.room, message_id: fields.message_id });
    this.fire('sanctions', this.inForce());
    return s;
  }

  async lift(sanctionId) {
    const reply = await this.session.request('mod.lift', { sanction_id: sanctionId });
    this.sanctions.delete(sanctionId);
    this.fire('sanctions', this.inForce());
    return reply.sanction;
  }

  /** Ask the relay for the sanctions in force in the rooms I am in (`mod.sanctions`). */
  async refreshSanctions() {
    const found = new Map();
    for (const room of this.session.rooms.keys()) {
      try {
        const reply = await this.session.request('mod.sanctions', { room });
        for (const s of reply.sanctions || []) found.set(s.sanction_id, s);
      } catch (err) {
        return false; // the list keeps what it had (and what was imposed from here)
      }
    }
    this.sanctions = found;
    this.fire('sanctions', this.inForce());
    return true;
  }

  /** Sanctions still in force (ended ones drop out by themselves), soonest end first. */
  inForce(now = Date.now() / 1000) {
    return [...this.sanctions.values()]
      .filter((s) => s.kind !== 'delete_message' && (s.end === null || s.end > now))
      .sort((a, b) => (a.end === null ? Infinity : a.end) - (b.end === null ? Infinity : b.end));
  }

  onDebrief(d) {
    if (!d || typeof d.by !== 'string') return;
    this.debriefs.unshift({ by: d.by, at: Number(d.at) || 0 });
    this.debriefs = this.debriefs.slice(0, 20);
    this.fire('debriefs', this.debriefs);
  }

  /** Ask for a debrief: the on-duty lead is told (`mod.debrief`). */
  requestDebrief() {
    return this.session.request('mod.debrief', {}); // no words travel: who and when only
  }

  /** Show a room in the console (two at once: opening a third closes the oldest view). */
  showRoom(roomId) {
    this.open = [roomId, ...this.open.filter((r) => r !== roomId)].slice(0, MAX_OPEN_ROOMS);
  }

  hideRoom(roomId) {
    this.open = this.open.filter((r) => r !== roomId);
  }
}
