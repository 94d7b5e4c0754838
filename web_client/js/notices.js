/**
 * What a moderator's action means for this person, in their own language: the relay pushes a
 * key and parameters (`mod.notice` to the sanctioned person only: what, why, until when;
 * `room.notice` and `room.tombstone` to the room: "slow mode on", "a moderator removed a
 * message", never who). The texts are the ones the server uses (config/moderation.toml, served
 * at /api/moderation-texts.json), fetched once when the first notice arrives.
 *
 * The chat view shows the room's current notice (`banner(room)`); a removed message is replaced
 * by its tombstone in the rooms state ('message-state' redraws it).
 */

import { h } from './dom.js';
import { formatDay, formatTime, language } from './i18n.js';

let texts = null;

async function loadTexts() {
  if (!texts) {
    texts = fetch('/api/moderation-texts.json', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : { notices: {}, reasons: {} }))
      .catch(() => { texts = null; return { notices: {}, reasons: {} }; });
  }
  return texts;
}

function untilWords(epochSeconds) {
  const end = new Date(Number(epochSeconds) * 1000);
  if (Number.isNaN(end.getTime())) return '';
  return new Date().toDateString() === end.toDateString() ? formatTime(end)
    : `${formatDay(end)} ${formatTime(end)}`;
}

/** A notice's words in the interface language; the reason is the push's own (fi/sv/en). */
export function renderNotice(all, push, lang = language()) {
  const byLang = (all.notices || {})[push.key];
  const template = byLang && (byLang[lang] || byLang.en);
  if (!template) return null;
  const params = { ...(push.params || {}) };
  if ('until' in params) params.until = untilWords(params.until);
  const reason = push.reason && (push.reason[lang] || push.reason.en);
  if (reason) params.reason = reason;
  params.appeal = params.appeal || '';
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export class Notices {
  constructor(session, rooms) {
    this.rooms = rooms;
    this.byRoom = new Map(); // room -> {push, text}
    this.listeners = new Set();
    const socket = session.socket;
    socket.on('mod.notice', (p) => this.onNotice(p));
    socket.on('room.notice', (p) => this.onNotice(p));
    socket.on('room.tombstone', (p) => this.onTombstone(p));
  }

  async onNotice(push) {
    if (!push || typeof push.key !== 'string' || typeof push.room !== 'string') return;
    const text = renderNotice(await loadTexts(), push);
    if (!text) return;
    this.byRoom.set(push.room, { push, text });
    for (const fn of this.listeners) fn(push.room);
  }

  async onTombstone(push) {
    if (!push || typeof push.room !== 'string') return;
    const seq = Number(push.message_id);
    if (!Number.isSafeInteger(seq)) return;
    const words = renderNotice(await loadTexts(), { key: 'room.message_removed', params: {} });
    this.rooms.markRemoved(push.room, seq, words || '—');
  }

  /** The words of a notice (a refusal's `notice`, say), or null when there are none. */
  async describe(notice) {
    return notice && typeof notice.key === 'string' ? renderNotice(await loadTexts(), notice) : null;
  }

  /** The room's notice as a banner that follows changes; {node, dispose}. */
  banner(roomId) {
    const node = h('p', { class: 'banner mod-notice', role: 'alert', hidden: true });
    const draw = (r) => {
      if (r !== roomId) return;
      const n = this.byRoom.get(roomId);
      node.hidden = !n;
      node.textContent = n ? n.text : '';
      node.dataset.key = n ? n.push.key : '';
    };
    draw(roomId);
    this.listeners.add(draw);
    return { node, dispose: () => this.listeners.delete(draw) };
  }
}
