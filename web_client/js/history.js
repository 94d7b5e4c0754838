/**
 * Tonight on this device: a reload keeps the open rooms' messages and drafts, and the rules I
 * accepted, until the night ends. Groups leave no transcript: a room's record goes when I leave
 * the room, when it closes, and at the first start after its night ended (`ends_at`).
 *
 * Messages and drafts are sealed under the device wrap key (identity/store.js putSealed: AES-GCM
 * with a non-extractable key in IndexedDB), so the browser's storage holds no readable text; the
 * clear part of a record is the room id and when its night ends. Accepted rules are a map
 * group id -> ends_at in localStorage (no content; they tell this device only that I was there).
 *
 * `store` is {putSealed, getSealed, deleteSealed, listSealed}; `drafts` is {draftOf, putDraft,
 * onDraft}; `now()` the clock: all passed in by app.js.
 */

import { loadValue, saveValue } from './local.js';

export const SAVE_DELAY_MS = 250; // a burst of messages is written once
const RULES_KEY = 'rules.accepted';
const ROOM_PREFIX = 'night:';

export class History {
  constructor({ session, rooms, store, drafts, now = () => Date.now() }) {
    this.rooms = rooms;
    this.store = store;
    this.drafts = drafts;
    this.now = now;
    this.timers = new Map();
    this.restoring = new WeakMap(); // room entry of rooms.js -> promise of its restore
    rooms.on('members', (room) => this.restore(room));
    rooms.on('message', ({ room }) => this.saveSoon(room));
    rooms.on('message-state', ({ room }) => this.saveSoon(room));
    rooms.on('message-removed', ({ room }) => this.saveSoon(room));
    drafts.onDraft((key) => {
      if (!key.startsWith('room:')) return;
      const room = rooms.get(key.slice(5));
      if (room) this.saveSoon(room);
    });
    session.on('room.left', ({ room }) => this.drop(room));
    session.on('group.closed', (d) => { if (d && d.room) this.drop(d.room); });
  }

  /** The night of `group` is over (or its end is unknown). */
  ended(endsAt) {
    const end = Date.parse(endsAt);
    return !Number.isFinite(end) || end <= this.now();
  }

  rulesAccepted(group) {
    const map = loadValue(RULES_KEY, {}) || {};
    return map[group.id] === group.ends_at && !this.ended(group.ends_at);
  }

  rememberRules(group) {
    const map = loadValue(RULES_KEY, {}) || {};
    for (const [id, endsAt] of Object.entries(map)) if (this.ended(endsAt)) delete map[id];
    map[group.id] = group.ends_at;
    saveValue(RULES_KEY, map);
  }

  /** At start: drop every record (and accepted rule) whose night has ended. */
  async prune() {
    const map = loadValue(RULES_KEY, {}) || {};
    for (const [id, endsAt] of Object.entries(map)) if (this.ended(endsAt)) delete map[id];
    saveValue(RULES_KEY, Object.keys(map).length ? map : null);
    for (const rec of await this.store.listSealed()) {
      if (rec.name.startsWith(ROOM_PREFIX) && this.ended(rec.endsAt)) await this.store.deleteSealed(rec.name);
    }
  }

  /** Joined (again) after a reload: put tonight's messages and the draft back. */
  restore(room) {
    if (this.restoring.has(room)) return this.restoring.get(room);
    const run = (async () => {
      const kept = await this.store.getSealed(ROOM_PREFIX + room.room);
      if (!kept || this.ended(kept.endsAt)) return;
      // Before what arrived since the join (my own "joined", say); a message that was on its way
      // when the page went is not known to have arrived.
      const now = new Set(room.messages.map((m) => m.id));
      room.messages = [...kept.messages.filter((m) => !now.has(m.id)).map((m) => (m.mine && m.state
        && m.state !== 'delivered' ? { ...m, state: 'failed', error: 'reloaded' } : m)), ...room.messages];
      this.drafts.putDraft(`room:${room.room}`, kept.draft);
      this.rooms.fire('restored', room);
    })().catch(() => {});
    this.restoring.set(room, run);
    return run;
  }

  saveSoon(room) {
    if (this.stopped || !room.closesAt || this.ended(room.closesAt)) return;
    clearTimeout(this.timers.get(room.room));
    this.timers.set(room.room, setTimeout(() => {
      // One write at a time, in order: an older snapshot never lands after a newer one.
      this.writing = (this.writing || Promise.resolve()).then(() => this.save(room));
    }, SAVE_DELAY_MS));
  }

  async save(room) {
    this.timers.delete(room.room);
    await this.restore(room); // never overwrite what is not read back yet
    if (this.stopped || !this.rooms.get(room.room)) return;
    await this.store.putSealed(ROOM_PREFIX + room.room,
      { endsAt: room.closesAt, messages: room.messages, draft: this.drafts.draftOf(`room:${room.room}`) },
      { endsAt: room.closesAt }).catch(() => {});
  }

  async drop(roomId) {
    clearTimeout(this.timers.get(roomId));
    this.timers.delete(roomId);
    await this.store.deleteSealed(ROOM_PREFIX + roomId).catch(() => {});
  }

  /** Forget this device (js/views/identity.js): every record, at once. */
  async wipe() {
    this.stopped = true; // nothing is written again in this page
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.writing;
    saveValue(RULES_KEY, null);
    for (const rec of await this.store.listSealed()) await this.store.deleteSealed(rec.name);
  }
}
