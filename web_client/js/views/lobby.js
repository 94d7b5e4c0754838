/** The lobby before a group opens: a countdown, and the door opens by itself. */

import { h } from '../dom.js';
import { formatTime } from '../i18n.js';

const POLL_MS = 20000;

export function countdownParts(msLeft) {
  const total = Math.max(0, Math.ceil(msLeft / 1000));
  return { h: Math.floor(total / 3600), m: Math.floor((total % 3600) / 60), s: total % 60 };
}

export default {
  name: 'lobby',
  title: (t) => t('lobby.title'),
  render(ctx, { group }) {
    const { t } = ctx;
    const starts = new Date(group.starts_at);
    const clock = h('p', { class: 'countdown', 'aria-hidden': 'true' });
    // The visual countdown ticks every second; screen readers get a calmer minute-by-minute update.
    const spoken = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
    let lastMinute = null;
    let alive = true;
    const tick = () => {
      const p = countdownParts(starts.getTime() - Date.now());
      clock.textContent = `${p.h ? `${p.h}:` : ''}${String(p.m).padStart(p.h ? 2 : 1, '0')}:${String(p.s).padStart(2, '0')}`;
      const minutes = p.h * 60 + p.m;
      if (minutes !== lastMinute) {
        lastMinute = minutes;
        spoken.textContent = t('lobby.minutes_left', { n: minutes });
      }
    };
    const tryEnter = async () => {
      if (!alive) return;
      const result = await ctx.enterGroup(group, { fromLobby: true });
      if (alive && result && result.waiting) return;
    };
    tick();
    const ticker = setInterval(tick, 1000);
    const poller = setInterval(tryEnter, POLL_MS);
    const offOpened = ctx.session.on('group.opened', () => tryEnter());
    const node = h('section', { class: 'view lobby' },
      h('h1', { text: t('lobby.title') }),
      h('p', { class: 'lead', text: t('lobby.lead', { name: group.name, time: formatTime(starts) }) }),
      clock,
      spoken,
      h('p', { text: t('lobby.meanwhile') }),
      h('ul', { class: 'tips' },
        h('li', { text: t('lobby.tip_water') }),
        h('li', { text: t('lobby.tip_breathe') }),
        h('li', { text: t('lobby.tip_help') })),
      h('button', { type: 'button', class: 'secondary', text: t('common.back'),
        onclick: () => ctx.router.show('groups') }));
    return { node, dispose: () => { alive = false; clearInterval(ticker); clearInterval(poller); offOpened(); } };
  },
};
