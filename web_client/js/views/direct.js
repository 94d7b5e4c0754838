/**
 * One-to-one: ask, accept or decline; chat (in the same layout as a group: the list scrolls on
 * its own, the composer is pinned, "new messages below", delivery states); end the chat; block
 * or mute for yourself; report; safety number.
 */

import { h, keepFocus } from '../dom.js';
import { formatTime } from '../i18n.js';
import { loadList, toggleInList } from '../local.js';
import { composer, forgetDraft } from './composer.js';
import { deliveryState, messageLog, setDelivery } from './log.js';
import { openReport } from './report.js';

const CONTROL_ERRORS = { encryption_not_ready: 'chat.encryption_not_ready', unknown_user: 'error.unknown_user',
  no_keys: 'error.no_keys', offline: 'error.offline' };

function conversationList(ctx) {
  const { t } = ctx;
  const convos = ctx.directs.list();
  return h('section', { class: 'view direct' },
    h('h1', { text: t('direct.title') }),
    h('p', { class: 'lead', text: t('direct.lead') }),
    convos.length
      ? h('ul', { class: 'convo-list' }, ...convos.map((c) => {
        const n = ctx.unread ? ctx.unread.count(`direct:${c.peer}`) : 0;
        return h('li', {},
          h('button', { type: 'button', class: 'link', 'data-focus-key': `convo:${c.peer}`,
            onclick: () => ctx.router.show('direct', { peer: c.peer }) },
          h('span', { dir: 'auto', text: c.peer }), ` · ${t(`direct.state.${c.state}`)}`,
          n ? h('span', { class: 'visually-hidden', text: ` · ${t('unread.count', { n })}` }) : null,
          n ? h('span', { class: 'unread-badge', 'aria-hidden': 'true', text: String(n) }) : null));
      }))
      : h('p', { class: 'muted', text: t('direct.none') }));
}

function messageItem(ctx, peer, m) {
  const { t } = ctx;
  return h('li', { class: ['msg', m.mine ? 'mine' : 'theirs'], 'data-id': m.id },
    h('div', { class: 'msg-meta' },
      h('strong', { class: 'sender', dir: 'auto', text: m.mine ? t('chat.you') : peer }),
      h('time', { class: 'muted', text: m.ts ? formatTime(new Date(m.ts)) : '' })),
    h('p', { class: 'msg-text', dir: 'auto', text: m.text }),
    m.mine
      ? deliveryState(ctx, m, (x) => ctx.directs.retry(peer, x))
      : h('button', { type: 'button', class: 'link small', text: t('chat.report'),
        'aria-label': t('chat.report_from', { name: peer }), onclick: () => openReport(ctx, m) }));
}

/** "End the chat": a visible button, then one explicit confirmation (it drops the history). */
function endControl(ctx, peer, act) {
  const { t } = ctx;
  const box = h('div', { class: 'row end-chat' });
  const ask = () => {
    box.replaceChildren(
      h('span', { class: 'small', text: t('direct.end_confirm', { name: peer }) }),
      h('button', { type: 'button', class: 'danger small', 'data-focus-key': 'end-yes', text: t('direct.end'),
        onclick: act(() => ctx.directs.end(peer)) }),
      h('button', { type: 'button', class: 'secondary small', 'data-focus-key': 'end-no', text: t('direct.end_keep'),
        onclick: () => { idle(); box.querySelector('button').focus(); } }));
    box.querySelector('[data-focus-key=end-yes]').focus();
  };
  const idle = () => box.replaceChildren(h('button', { type: 'button', class: 'secondary small end-button',
    'data-focus-key': 'end', text: t('direct.end'), onclick: ask }));
  idle();
  return box;
}

export default {
  name: 'direct',
  title: (t, p) => (p.peer ? t('direct.with', { name: p.peer }) : t('direct.title')),
  render(ctx, { peer, peerKey }) {
    ctx.markDirectNews(false);
    if (!peer) {
      // Redraw when a request or message arrives while the list is open.
      const offs = [ctx.directs.on('change', () => ctx.router.refresh()),
        ctx.directs.on('message', () => ctx.router.refresh())];
      return { node: conversationList(ctx), dispose: () => offs.forEach((off) => off()) };
    }
    const { t } = ctx;
    const convo = ctx.directs.get(peer);
    if (peerKey) convo.peerKey = peerKey;
    const status = h('p', { class: 'notice private', role: 'status', hidden: true });
    const body = h('div', { class: 'direct-body' });
    const head = h('div', { class: 'row' });
    // "X is typing…": polite, and only while the signal is fresh (no text, no length behind it).
    const typingNote = h('p', { class: 'typing muted small', role: 'status', hidden: true,
      text: t('direct.typing', { name: peer }) });
    let typingTimer = null;
    const showTyping = () => {
      clearTimeout(typingTimer);
      const left = (convo.typingUntil || 0) - Date.now();
      typingNote.hidden = left <= 0;
      if (left > 0) typingTimer = setTimeout(showTyping, left);
    };
    const blocked = () => loadList('blocked').includes(peer);
    const muted = () => loadList('muted').includes(peer);
    const act = (fn) => async () => {
      status.hidden = true;
      try {
        await fn();
      } catch (err) {
        status.textContent = t(CONTROL_ERRORS[err && err.code] || 'error.generic');
        status.hidden = false;
      }
    };

    // While the conversation is open, a new message is appended to the same log: redrawing it
    // would make a screen reader read the whole conversation again (or nothing), and a new
    // composer would lose a half-written reply and the keyboard focus.
    let drawn = null; // {state, log}
    const draw = () => {
      const state = blocked() ? 'blocked' : convo.state;
      if (drawn && drawn.state === state) return;
      drawn = { state, log: null };
      const parts = [];
      head.replaceChildren();
      body.classList.toggle('open', state === 'open');
      if (state === 'blocked') {
        parts.push(h('p', { text: t('direct.blocked_note', { name: peer }) }));
      } else if (state === 'none' || state === 'ended') {
        if (state === 'ended' && convo.endedBy) {
          parts.push(h('p', { class: 'notice ended', role: 'status',
            text: t(convo.endedBy === 'me' ? 'direct.ended_by_me' : 'direct.ended_by_them', { name: peer }) }));
        }
        parts.push(h('p', { text: t('direct.ask_lead', { name: peer }) }),
          h('button', { type: 'button', class: 'primary', text: t(state === 'ended' ? 'direct.ask_again' : 'direct.ask', { name: peer }),
            onclick: act(() => ctx.directs.ask(peer, convo.peerKey)) }));
      } else if (state === 'requested') {
        parts.push(h('p', { text: t('direct.waiting', { name: peer }) }));
      } else if (state === 'incoming') {
        parts.push(h('p', { text: t('direct.incoming', { name: peer }) }),
          h('div', { class: 'row' },
            h('button', { type: 'button', class: 'primary', text: t('direct.accept'),
              onclick: act(() => ctx.directs.answer(peer, true)) }),
            h('button', { type: 'button', class: 'secondary', text: t('direct.decline'),
              onclick: act(() => ctx.directs.answer(peer, false)) })));
      } else if (state === 'declined') {
        parts.push(h('p', { text: t('direct.declined', { name: peer }) }));
      } else if (state === 'open') {
        head.append(endControl(ctx, peer, act));
        drawn.log = messageLog(ctx, { label: t('direct.with', { name: peer }) });
        for (const m of convo.messages) drawn.log.append(messageItem(ctx, peer, m));
        requestAnimationFrame(drawn.log.toBottom);
        typingNote.hidden = true;
        parts.push(drawn.log.node, drawn.log.spoken.node, typingNote, composer(ctx, { label: t('direct.composer_label', { name: peer }),
          draftKey: `direct:${peer}`, send: (text) => ctx.directs.send(peer, text),
          onTyping: () => ctx.directs.typing(peer) }).node);
      }
      keepFocus(body, () => body.replaceChildren(...parts));
    };
    draw();
    const mine = (d) => d.convo === convo && drawn && drawn.log;
    const offs = [
      ctx.directs.on('change', (c) => { if (c === convo) draw(); }),
      ctx.directs.on('typing', (c) => { if (c === convo) showTyping(); }),
      ctx.directs.on('message', (d) => {
        if (d.convo === convo && !d.message.mine) showTyping();
        if (mine(d)) {
          drawn.log.append(messageItem(ctx, peer, d.message),
            { follow: d.message.mine, say: d.message.mine ? null : `${peer}: ${d.message.text}` });
        } else if (d.convo === convo) draw();
      }),
      ctx.directs.on('message-state', (d) => {
        const li = mine(d) && drawn.log.itemOf(d.message.id);
        if (li) keepFocus(drawn.log.list, () => setDelivery(ctx, li, d.message, (x) => ctx.directs.retry(peer, x)));
        if (li && d.message.state === 'failed') drawn.log.spoken.say(t('chat.state.failed'));
      }),
      // The chat ended (here or there): its draft goes with its messages.
      ctx.directs.on('ended', (c) => { if (c === convo) forgetDraft(`direct:${peer}`); }),
    ];

    // Mute and block change themselves (and, for block, the body) in place: focus stays put.
    const muteButton = h('button', { type: 'button', class: 'secondary small',
      onclick: () => { toggleInList('muted', peer, !muted()); drawTools(); } });
    const blockButton = h('button', { type: 'button', class: 'secondary small',
      onclick: () => { toggleInList('blocked', peer, !blocked()); drawTools(); draw(); } });
    const drawTools = () => {
      muteButton.setAttribute('aria-pressed', String(muted()));
      muteButton.textContent = muted() ? t('chat.unmute') : t('chat.mute');
      blockButton.setAttribute('aria-pressed', String(blocked()));
      blockButton.textContent = blocked() ? t('direct.unblock') : t('direct.block');
    };
    drawTools();
    const node = h('section', { class: 'view direct chat-layout' },
      h('div', { class: 'chat-head' },
        h('h1', { dir: 'auto', text: t('direct.with', { name: peer }) }),
        h('p', { class: 'muted chat-meta', text: t('direct.private_note') }),
        head),
      h('details', { class: 'members-box tools-box' },
        h('summary', { 'data-focus-key': 'tools', text: t('direct.options') }),
        h('div', { class: 'row tools' },
          muteButton,
          blockButton,
          h('button', { type: 'button', class: 'secondary small', text: t('safety.compare'),
            onclick: () => ctx.router.show('safety', { peer, peerKey: convo.peerKey }) })),
        h('p', { class: 'muted small', text: t('direct.block_note') })),
      status,
      body);
    return { node, dispose: () => { clearTimeout(typingTimer); offs.forEach((off) => off()); } };
  },
};
