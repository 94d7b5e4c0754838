/** One-to-one: ask, accept or decline; chat; block or mute for yourself; report; safety number. */

import { announcer, h, keepFocus } from '../dom.js';
import { formatTime } from '../i18n.js';
import { loadList, toggleInList } from '../local.js';
import { composer } from './composer.js';
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
      ? h('ul', { class: 'convo-list' }, ...convos.map((c) => h('li', {},
        h('button', { type: 'button', class: 'link', 'data-focus-key': `convo:${c.peer}`,
          text: `${c.peer} · ${t(`direct.state.${c.state}`)}`,
          onclick: () => ctx.router.show('direct', { peer: c.peer }) }))))
      : h('p', { class: 'muted', text: t('direct.none') }));
}

export default {
  name: 'direct',
  title: (t, p) => (p.peer ? t('direct.with', { name: p.peer }) : t('direct.title')),
  render(ctx, { peer, peerKey }) {
    ctx.markDirectNews(false);
    if (!peer) {
      // Redraw when a request or message arrives while the list is open.
      const off = ctx.directs.on('change', () => ctx.router.refresh());
      return { node: conversationList(ctx), dispose: off };
    }
    const { t } = ctx;
    const convo = ctx.directs.get(peer);
    if (peerKey) convo.peerKey = peerKey;
    const status = h('p', { class: 'notice private', role: 'status', hidden: true });
    const body = h('div', { class: 'direct-body' });
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

    const messageItem = (m) => h('li', { class: ['msg', m.mine ? 'mine' : 'theirs'] },
      h('div', { class: 'msg-meta' }, h('strong', { text: m.mine ? t('chat.you') : peer }),
        h('time', { class: 'muted', text: m.ts ? formatTime(new Date(m.ts)) : '' })),
      h('p', { class: 'msg-text', text: m.text }),
      m.mine ? null : h('button', { type: 'button', class: 'link small', text: t('chat.report'),
        onclick: () => openReport(ctx, m) }));
    // While the conversation is open, a new message is appended to the same log: redrawing it
    // would make a screen reader read the whole conversation again (or nothing), and a new
    // composer would lose a half-written reply and the keyboard focus.
    let drawn = null; // {state, log, shown}
    const draw = () => {
      const state = blocked() ? 'blocked' : convo.state;
      if (drawn && drawn.state === state && state === 'open') {
        for (const m of convo.messages.slice(drawn.shown)) {
          drawn.log.append(messageItem(m));
          if (!m.mine) drawn.spoken.say(`${peer}: ${m.text}`);
        }
        drawn.shown = convo.messages.length;
        drawn.log.scrollTop = drawn.log.scrollHeight;
        return;
      }
      drawn = { state, log: null, shown: 0 };
      const parts = [];
      if (blocked()) {
        parts.push(h('p', { text: t('direct.blocked_note', { name: peer }) }));
      } else if (convo.state === 'none' || convo.state === 'ended') {
        parts.push(h('p', { text: t('direct.ask_lead', { name: peer }) }),
          h('button', { type: 'button', class: 'primary', text: t('direct.ask', { name: peer }),
            onclick: act(() => ctx.directs.ask(peer, convo.peerKey)) }));
      } else if (convo.state === 'requested') {
        parts.push(h('p', { text: t('direct.waiting', { name: peer }) }));
      } else if (convo.state === 'incoming') {
        parts.push(h('p', { text: t('direct.incoming', { name: peer }) }),
          h('div', { class: 'row' },
            h('button', { type: 'button', class: 'primary', text: t('direct.accept'),
              onclick: act(() => ctx.directs.answer(peer, true)) }),
            h('button', { type: 'button', class: 'secondary', text: t('direct.decline'),
              onclick: act(() => ctx.directs.answer(peer, false)) })));
      } else if (convo.state === 'declined') {
        parts.push(h('p', { text: t('direct.declined', { name: peer }) }));
      } else if (convo.state === 'open') {
        // Not live itself: `spoken` says each new message as "name: text" only.
        drawn.log = h('ol', { class: 'messages', 'aria-label': t('direct.with', { name: peer }), tabindex: '0' },
          ...convo.messages.map(messageItem));
        drawn.spoken = announcer();
        drawn.shown = convo.messages.length;
        parts.push(drawn.log, drawn.spoken.node, composer(ctx, { label: t('direct.composer_label', { name: peer }),
          draftKey: `direct:${peer}`, send: (text) => ctx.directs.send(peer, text) }).node);
      }
      keepFocus(body, () => body.replaceChildren(...parts));
    };
    draw();
    const off = ctx.directs.on('change', (c) => { if (c === convo) draw(); });

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
    const node = h('section', { class: 'view direct' },
      h('h1', { text: t('direct.with', { name: peer }) }),
      h('p', { class: 'muted', text: t('direct.private_note') }),
      body,
      status,
      h('div', { class: 'row tools' },
        muteButton,
        blockButton,
        h('button', { type: 'button', class: 'secondary small', text: t('safety.compare'),
          onclick: () => ctx.router.show('safety', { peer, peerKey: convo.peerKey }) })),
      h('p', { class: 'muted small', text: t('direct.block_note') }));
    return { node, dispose: off };
  },
};
