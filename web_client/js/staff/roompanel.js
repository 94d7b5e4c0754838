/**
 * One room in the console, read like a member (the moderator is one: the messages come from the
 * page's rooms state, decrypted by the same e2ee engine as a peer's). Each message this client
 * flagged (or the relay alerted on) is marked with its level and categories; every message and
 * member has the one-click actions, each with a reason (actionform.js).
 */

import { h, keepFocus } from '../dom.js';
import { formatTime } from '../i18n.js';
import { composer } from '../views/composer.js';
import { openAction } from './actionform.js';
import { openHandoff } from './handoff.js';

export const PERSON_ACTIONS = Object.freeze(['mute', 'read_only', 'remove', 'ban']);
export const ROOM_ACTIONS = Object.freeze(['slow_mode', 'lock']);

/** "Level 3 · suicide, distress" for a flag. */
export function flagLabel(t, flag) {
  const cats = (flag.categories || []).map((c) => t(`staff.category.${c}`)).join(', ');
  return t('staff.flag.label', { level: flag.severity, categories: cats });
}

function isStaff(room, pseudonym) {
  const m = (room.members || []).find((x) => x.pseudonym === pseudonym);
  return Boolean(m && m.role && m.role !== 'peer');
}

function messageItem(ctx, desk, room, m) {
  const { t } = ctx;
  const time = m.ts ? formatTime(new Date(m.ts)) : '';
  if (m.system) {
    return h('li', { class: 'msg system' }, t(`chat.member_${m.system}`, { name: m.sender }),
      h('time', { class: 'muted', text: ` ${time}` }));
  }
  const flag = m.seq != null ? desk.flagOf(room.room, m.seq) : null;
  const body = m.removed ? h('p', { class: 'msg-text locked', text: t('staff.message.removed') })
    : m.text === null ? h('p', { class: 'msg-text locked', text: t('chat.cannot_open') })
      : h('p', { class: 'msg-text', dir: 'auto', text: m.text });
  const target = { room: room.room, pseudonym: m.sender, message_id: m.seq,
    excerpt: typeof m.text === 'string' ? m.text.slice(0, 140) : null };
  const actions = m.mine || m.removed || isStaff(room, m.sender) ? null : h('div', { class: 'msg-actions' },
    h('button', { type: 'button', class: 'link small', text: t('staff.action.short.mute'),
      'data-focus-key': `msg-mute:${m.id}`, 'aria-label': t('staff.action.title.mute', { name: m.sender }),
      onclick: () => openAction(ctx, desk, 'mute', target) }),
    m.seq != null ? h('button', { type: 'button', class: 'link small', text: t('staff.action.short.delete_message'),
      'data-focus-key': `msg-delete:${m.id}`, 'aria-label': t('staff.action.title.delete_message', { name: m.sender }),
      onclick: () => openAction(ctx, desk, 'delete_message', target) }) : null);
  return h('li', { class: ['msg', m.mine ? 'mine' : 'theirs', flag ? `flagged level-${flag.severity}` : null],
    'data-seq': m.seq == null ? null : String(m.seq), 'data-id': m.id },
  h('div', { class: 'msg-meta' },
    h('strong', { class: 'sender', dir: 'auto', text: m.mine ? t('chat.you') : m.sender }),
    h('time', { class: 'muted', text: time })),
  flag ? h('p', { class: 'flag-label', text: flagLabel(t, flag) }) : null,
  body,
  actions);
}

function memberRow(ctx, desk, room, member) {
  const { t } = ctx;
  const me = ctx.session.auth && ctx.session.auth.pseudonym;
  const staff = member.role && member.role !== 'peer';
  return h('li', {},
    h('span', { class: 'name', dir: 'auto', text: member.pseudonym }),
    staff ? h('span', { class: ['badge', `badge-${member.role}`], text: t(`role.${member.role}`) }) : null,
    member.pseudonym === me ? h('span', { class: 'muted', text: ` (${t('chat.you')})` }) : null,
    staff ? null : h('span', { class: 'row member-actions' }, ...PERSON_ACTIONS.map((kind) => h('button', {
      type: 'button', class: 'link small', text: t(`staff.action.short.${kind}`),
      'data-focus-key': `${kind}:${member.pseudonym}`,
      'aria-label': t(`staff.action.title.${kind}`, { name: member.pseudonym }),
      onclick: () => openAction(ctx, desk, kind, { room: room.room, pseudonym: member.pseudonym }),
    })), h('button', { type: 'button', class: 'link small handoff', text: t('staff.handoff.short'),
      'data-focus-key': `handoff:${member.pseudonym}`,
      'aria-label': t('staff.handoff.title', { name: member.pseudonym }),
      onclick: () => openHandoff(ctx, { room: room.room, pseudonym: member.pseudonym }) })));
}

/** The panel of one open room: {node, dispose}. */
export function roomPanel(ctx, desk, roomId, { onClose }) {
  const { t } = ctx;
  const room = ctx.rooms.get(roomId);
  const headingId = `room-${roomId.replace(/[^a-z0-9]/gi, '-')}`;
  if (!room) {
    return { node: h('section', { class: 'card room-panel' }, h('p', { text: t('chat.not_in_room') })), dispose() {} };
  }
  const name = room.group ? room.group.name : roomId;
  const list = h('ol', { class: 'messages', 'aria-label': t('staff.room.messages', { name }), tabindex: '0' });
  const members = h('ul', { class: 'members' });
  const meta = h('p', { class: 'muted' });
  const drawMembers = () => {
    const peers = (room.members || []).filter((m) => !m.role || m.role === 'peer').length;
    meta.textContent = t('staff.room.meta', { peers, n: (room.members || []).length,
      time: room.closesAt ? formatTime(new Date(room.closesAt)) : '' });
    keepFocus(members, () => members.replaceChildren(
      ...(room.members || []).map((m) => memberRow(ctx, desk, room, m))));
  };
  const draw = (m) => list.append(messageItem(ctx, desk, room, m));
  for (const m of room.messages) draw(m);
  drawMembers();
  const redrawOne = (seq) => {
    const li = [...list.children].find((x) => x.dataset.seq === String(seq));
    const m = room.messages.find((x) => x.seq === seq);
    if (li && m) keepFocus(list, () => li.replaceWith(messageItem(ctx, desk, room, m)));
  };
  const box = composer(ctx, { label: t('staff.room.composer', { name }), draftKey: `room:${roomId}`,
    send: (text) => ctx.outbox.sendGroup(roomId, text) });
  const offs = [
    ctx.rooms.on('message', ({ room: r, message }) => {
      if (r !== room) return;
      const follow = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
      draw(message);
      if (follow) list.scrollTop = list.scrollHeight;
    }),
    ctx.rooms.on('message-state', ({ room: r, message }) => {
      const li = r === room && [...list.children].find((x) => x.dataset.id === message.id);
      if (li) keepFocus(list, () => li.replaceWith(messageItem(ctx, desk, room, message)));
    }),
    ctx.rooms.on('members', (r) => { if (r === room) drawMembers(); }),
    ctx.rooms.on('refresh', (r) => { if (r === room) drawMembers(); }),
    desk.on('flag', ({ room: r, seq }) => { if (r === roomId) redrawOne(seq); }),
  ];
  requestAnimationFrame(() => { list.scrollTop = list.scrollHeight; });
  const node = h('section', { class: 'card room-panel', 'aria-labelledby': headingId, 'data-room': roomId },
    h('div', { class: 'room-head' },
      h('h2', { id: headingId, tabindex: '-1', text: name }),
      h('div', { class: 'row' },
        ...ROOM_ACTIONS.map((kind) => h('button', { type: 'button', class: 'secondary small',
          text: t(`staff.action.short.${kind}`), 'aria-label': t(`staff.action.title.${kind}`, { name }),
          onclick: () => openAction(ctx, desk, kind, { room: roomId }) })),
        h('button', { type: 'button', class: 'link small', text: t('staff.room.hide'),
          'aria-label': t('staff.room.hide_named', { name }), onclick: () => onClose(roomId) }))),
    meta,
    h('details', { class: 'members-box' }, h('summary', { text: t('staff.room.members') }), members),
    h('div', { class: 'log-wrap' }, list),
    box.node);
  return { node, dispose: () => offs.forEach((off) => off()) };
}
