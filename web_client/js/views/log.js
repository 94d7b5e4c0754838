/**
 * The message list of a chat, group or one to one: it scrolls on its own and keeps the newest
 * message in view, unless the person scrolled up to read; then a "New messages below" button
 * says there is more (their place is kept). Not a live region itself: `spoken` says each new
 * message as "sender: text" only. Also the delivery state line of my own messages.
 */

import { announcer, h } from '../dom.js';

const NEAR_BOTTOM_PX = 40;

/** messageLog(ctx, {label, empty}) -> {node, list, spoken, append(li, {follow, say}), toBottom, setEmpty} */
export function messageLog(ctx, { label, empty = null }) {
  const { t } = ctx;
  const list = h('ol', { class: 'messages', 'aria-label': label, tabindex: '0' });
  const spoken = announcer();
  const emptyNote = empty ? h('p', { class: 'muted empty', text: empty }) : null;
  const below = h('button', { type: 'button', class: 'new-below small', hidden: true,
    text: t('chat.new_below'), onclick: () => { toBottom(); list.focus({ preventScroll: true }); } });
  const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
  const toBottom = () => {
    list.scrollTop = list.scrollHeight;
    below.hidden = true;
  };
  list.addEventListener('scroll', () => { if (atBottom()) below.hidden = true; });
  const setEmpty = (on) => { if (emptyNote) emptyNote.hidden = !on; };
  return {
    node: h('div', { class: 'log-wrap' }, emptyNote, list, below),
    list,
    spoken,
    toBottom,
    setEmpty,
    /** Add `li`; `follow` (my own message) scrolls to it, `say` is announced (the announced
     * node is returned, or null). */
    append(li, { follow = false, say = null } = {}) {
      setEmpty(false);
      const stay = follow || atBottom();
      list.append(li);
      if (stay) toBottom();
      else below.hidden = false;
      return say ? spoken.say(say) : null;
    },
    /** The list item of message id `id`, or undefined. */
    itemOf: (id) => [...list.children].find((li) => li.dataset.id === id),
  };
}

/** Where my message is: sending, waiting for the connection, delivered to the relay, failed. */
export function deliveryState(ctx, m, retry) {
  const { t } = ctx;
  if (!m.state) return null;
  return h('p', { class: ['delivery', m.state], 'data-state': m.state },
    h('span', { text: t(`chat.state.${m.state}`) }),
    m.state === 'failed' ? h('button', { type: 'button', class: 'link small', text: t('chat.retry'),
      'data-focus-key': `retry:${m.id}`, onclick: () => retry(m) }) : null);
}

/** Show `m`'s new delivery state inside its list item `li`, in place: the message itself is not
 * redrawn, so the log (and a screen reader's place in it) stays as it was. */
export function setDelivery(ctx, li, m, retry) {
  const line = deliveryState(ctx, m, retry);
  const old = li.querySelector(':scope > p.delivery');
  if (old && line) old.replaceWith(line);
  else if (old) old.remove();
  else if (line) li.append(line);
}
