/** A group's chat: messages, composer, who is here, when it closes, and a kind goodbye. */

import { h, keepFocus } from '../dom.js';
import { formatTime } from '../i18n.js';
import { loadList, toggleInList } from '../local.js';
import { composer } from './composer.js';
import { deliveryState, messageLog, setDelivery } from './log.js';
import { openReport } from './report.js';

/** A system line: someone joined, left or was removed, or some messages may be missing. */
function systemText(t, m) {
  return m.system === 'gap' ? t('chat.gap') : t(`chat.member_${m.system}`, { name: m.sender });
}

function messageItem(ctx, room, m) {
  const { t } = ctx;
  const time = m.ts ? formatTime(new Date(m.ts)) : '';
  if (m.system) {
    return h('li', { class: ['msg', 'system', m.system === 'gap' ? 'gap' : null] },
      h('span', { text: systemText(t, m) }),
      h('time', { class: 'muted', text: ` ${time}` }));
  }
  if (m.removed) { // a moderator removed it: who wrote it and when stay, the words do not
    return h('li', { class: ['msg', 'removed', m.mine ? 'mine' : 'theirs'], 'data-id': m.id },
      h('div', { class: 'msg-meta' },
        h('strong', { class: 'sender', dir: 'auto', text: m.mine ? t('chat.you') : m.sender }),
        h('time', { class: 'muted', text: time })),
      h('p', { class: 'msg-text tombstone', text: m.text }));
  }
  // dir="auto": a Hebrew or Arabic message (or name) reads right to left, whatever the UI.
  const body = m.text === null
    ? h('p', { class: 'msg-text locked', text: t('chat.cannot_open') })
    : h('p', { class: 'msg-text', dir: 'auto', text: m.text });
  const role = roleOf(room, m.sender);
  const actions = m.mine ? null : h('div', { class: 'msg-actions' },
    h('button', { type: 'button', class: 'link small', text: t('chat.private'),
      'aria-label': t('chat.private_with', { name: m.sender }),
      onclick: () => ctx.router.show('direct', { peer: m.sender, peerKey: m.senderKey }) }),
    h('button', { type: 'button', class: 'link small', text: t('chat.report'),
      'aria-label': t('chat.report_from', { name: m.sender }),
      onclick: () => openReport(ctx, m) }));
  return h('li', { class: ['msg', m.mine ? 'mine' : 'theirs'], 'data-id': m.id },
    h('div', { class: 'msg-meta' },
      h('strong', { class: 'sender', dir: 'auto', text: m.mine ? t('chat.you') : m.sender }),
      role ? roleBadge(ctx, role) : null,
      h('time', { class: 'muted', text: time })),
    body,
    m.mine ? deliveryState(ctx, m, (x) => ctx.outbox.retry(x)) : actions);
}

/** A staff role from the server's member list (the relay sets it; a peer cannot claim it). */
function roleOf(room, pseudonym) {
  const m = (room.members || []).find((x) => x.pseudonym === pseudonym);
  return m && m.role && m.role !== 'peer' ? m.role : null;
}

function roleBadge(ctx, role) {
  return h('span', { class: ['badge', `badge-${role}`], text: ctx.t(`role.${role}`) });
}

/** What a screen reader hears for a new message: who and what, nothing else. */
export function spokenText(ctx, m) {
  const { t } = ctx;
  if (m.system) return systemText(t, m);
  return `${m.sender}: ${m.text === null ? t('chat.cannot_open') : m.text}`;
}

function memberList(ctx, room, redraw) {
  const { t } = ctx;
  const muted = loadList('muted');
  const me = ctx.session.auth && ctx.session.auth.pseudonym;
  return h('ul', { class: 'members' }, ...(room.members || []).map((m) => {
    const isMuted = muted.includes(m.pseudonym);
    return h('li', {},
      h('span', { class: 'name', dir: 'auto', text: m.pseudonym }),
      m.role && m.role !== 'peer' ? roleBadge(ctx, m.role) : null,
      m.pseudonym === me ? h('span', { class: 'muted', text: ` (${t('chat.you')})` }) : h('span', { class: 'row' },
        h('button', { type: 'button', class: 'link small', 'aria-pressed': String(isMuted),
          'data-focus-key': `mute:${m.pseudonym}`,
          text: isMuted ? t('chat.unmute') : t('chat.mute'),
          'aria-label': `${isMuted ? t('chat.unmute') : t('chat.mute')}: ${m.pseudonym}`,
          // Only the member list changes: the log, the draft and the focus stay as they are.
          onclick: () => { toggleInList('muted', m.pseudonym, !isMuted); redraw(); } }),
        h('button', { type: 'button', class: 'link small', text: t('chat.private'),
          'data-focus-key': `private:${m.pseudonym}`,
          'aria-label': t('chat.private_with', { name: m.pseudonym }),
          onclick: () => ctx.router.show('direct', { peer: m.pseudonym, peerKey: m.identity_key }) }),
        h('button', { type: 'button', class: 'link small', text: t('safety.compare'),
          'data-focus-key': `safety:${m.pseudonym}`,
          'aria-label': `${t('safety.compare')}: ${m.pseudonym}`,
          onclick: () => ctx.router.show('safety', { peer: m.pseudonym, peerKey: m.identity_key }) })));
  }));
}

function goodbye(ctx, room) {
  const { t } = ctx;
  return h('div', { class: 'card goodbye', role: 'status' },
    h('h2', { text: t('chat.goodbye_title'), tabIndex: -1 }),
    h('p', { text: t('chat.goodbye_text') }),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'secondary', text: t('help.open'),
        onclick: () => ctx.openHelp({ reason: 'goodbye' }) }),
      h('button', { type: 'button', class: 'primary', text: t('chat.back_to_groups'),
        onclick: () => {
          ctx.leaveRoom(room.room).catch(() => {});
          ctx.router.show('groups');
        } })));
}

export default {
  name: 'chat',
  title: (t, params) => params.name || t('chat.title'),
  render(ctx, { room: roomId }) {
    const { t } = ctx;
    const room = ctx.rooms.get(roomId);
    if (!room) return h('section', { class: 'view' }, h('h1', { text: t('chat.title') }),
      h('p', { text: t('chat.not_in_room') }));
    // The list is not live itself: `spoken` says each new message as "sender: text" only.
    const log = messageLog(ctx, { label: t('chat.messages_label'), empty: t('chat.empty') });
    const { list, spoken } = log;
    const meta = h('p', { class: 'muted chat-meta' });
    const banner = h('p', { class: 'banner closing', role: 'alert', hidden: true });
    // What a moderator's action means for me (muted until..., slow mode on): js/notices.js.
    const modNotice = ctx.notices.banner(room.room);
    const members = h('details', { class: 'members-box' });
    const composerBox = h('div', { class: 'composer-box' });

    const drawMeta = () => {
      const closes = room.closesAt ? formatTime(new Date(room.closesAt)) : '';
      meta.textContent = room.closed ? t('groups.state.closed')
        : t('chat.meta', { n: (room.members || []).length, time: closes });
      // A membership change redraws the list under a keyboard user's feet: keep their focus.
      keepFocus(members, () => members.replaceChildren(
        h('summary', { 'data-focus-key': 'members', text: t('chat.members', { n: (room.members || []).length }) }),
        memberList(ctx, room, drawMeta)));
    };
    const drawClosing = () => {
      if (room.closing && !room.closed) {
        banner.textContent = t('chat.closing', { time: formatTime(new Date(room.closesAt)) });
        banner.hidden = false;
      }
      if (room.closed) {
        banner.hidden = true;
        meta.textContent = t('groups.state.closed');
        // Someone typing when the night ends is not left on <body>: the goodbye takes the focus.
        const typing = composerBox.contains(document.activeElement);
        const card = goodbye(ctx, room);
        composerBox.replaceChildren(card);
        if (typing) card.querySelector('h2').focus();
      }
    };
    // The newest message stays in view, unless the person scrolled up to read (log.js).
    const said = new Map(); // message id -> what the live region said of it (taken back on removal)
    const append = (m, announce = false) => {
      const node = log.append(messageItem(ctx, room, m),
        { follow: m.mine, say: announce && !m.mine ? spokenText(ctx, m) : null });
      if (node) said.set(m.id, node);
    };

    const box = composer(ctx, {
      label: t('chat.composer_label'),
      draftKey: `room:${room.room}`,
      // Shown at once with its delivery state; without a connection it waits in the outbox.
      send: (text) => ctx.outbox.sendGroup(room.room, text),
    });
    composerBox.append(box.node);
    for (const m of room.messages) append(m);
    log.setEmpty(room.messages.length === 0);
    // Once laid out (the view is in the page on the next frame), start at the newest message.
    requestAnimationFrame(log.toBottom);
    drawMeta();
    drawClosing();

    const itemOf = (m) => log.itemOf(m.id);
    const offs = [
      ctx.rooms.on('message', ({ room: r, message }) => { if (r === room) append(message, true); }),
      ctx.rooms.on('message-state', ({ room: r, message }) => {
        const li = r === room && itemOf(message);
        if (r === room && message.removed && said.has(message.id)) {
          said.get(message.id).remove();
          said.delete(message.id);
        }
        if (li && message.removed) keepFocus(list, () => li.replaceWith(messageItem(ctx, room, message)));
        else if (li) keepFocus(list, () => setDelivery(ctx, li, message, (x) => ctx.outbox.retry(x)));
        if (li && message.state === 'failed') spoken.say(t('chat.state.failed'));
      }),
      ctx.rooms.on('message-removed', ({ room: r, message }) => {
        const li = r === room && itemOf(message);
        if (li) li.remove();
        log.setEmpty(room.messages.length === 0);
      }),
      ctx.rooms.on('members', (r) => { if (r === room) drawMeta(); }),
      // Tonight's messages and the draft came back from this device (a reload): draw them.
      ctx.rooms.on('restored', (r) => { if (r === room) ctx.router.refresh(); }),
      ctx.rooms.on('refresh', (r) => { if (r === room) drawMeta(); }),
      ctx.rooms.on('closing', (r) => { if (r === room) drawClosing(); }),
      ctx.rooms.on('closed', (r) => { if (r === room) drawClosing(); }),
      modNotice.dispose,
    ];
    const leave = async () => {
      await ctx.leaveRoom(room.room);
      ctx.router.show('groups');
    };
    const node = h('section', { class: 'view chat chat-layout' },
      h('div', { class: 'chat-head' },
        h('h1', { text: room.group ? room.group.name : t('chat.title') }),
        meta,
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'secondary small', text: t('chat.leave'), onclick: leave }))),
      banner,
      modNotice.node,
      members,
      log.node,
      spoken.node,
      composerBox);
    return { node, dispose: () => offs.forEach((off) => off()) };
  },
};
