/**
 * The lobby before a group opens: a countdown, and the door opens by itself.
 *
 * Two cases: in the lobby window the relay has already let us into the room (`room` is set) and
 * we wait for its `group.opened` push; earlier than that (or while no moderator is there) the
 * join was refused and we try again now and then.
 */

import { h } from '../dom.js';
import { formatTime } from '../i18n.js';

const RETRY_MS = 20000;

/** Hours, minutes and seconds left (never negative). */
export function countdownParts(msLeft) {
  const total = Math.max(0, Math.ceil(msLeft / 1000));
  return { h: Math.floor(total / 3600), m: Math.floor((total % 3600) / 60), s: total % 60 };
}

export default {
  name: 'lobby',
  title: (t) => t('lobby.title'),
  render(ctx, { group, room, reason }) {
    const { t } = ctx;
    const starts = new Date(group.starts_at);
    const clock = h('p', { class: 'countdown', 'aria-hidden': 'true' });
    // The visual countdown ticks every second; screen readers get a calmer minute-by-minute update.
    const spoken = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
    let lastMinute = null;
    let alive = true;
    const tick = () => {
      const p = countdownParts(starts.getTime() - Date.now());
      const mm = String(p.m).padStart(p.h ? 2 : 1, '0');
      clock.textContent = `${p.h ? `${p.h}:` : ''}${mm}:${String(p.s).padStart(2, '0')}`;
      const minutes = p.h * 60 + p.m;
      if (minutes !== lastMinute) {
        lastMinute = minutes;
        spoken.textContent = t('lobby.minutes_left', { n: minutes });
      }
    };
    tick();
    const ticker = setInterval(tick, 1000);
    const retry = room ? null : setInterval(() => { if (alive) ctx.enterGroup(group, { fromLobby: true }); }, RETRY_MS);
    const offOpened = ctx.session.on('group.opened', (d) => {
      if (!alive) return;
      if (room && d.room === room) ctx.openRoom(room);
      else if (!room) ctx.enterGroup(group, { fromLobby: true });
    });
    const leave = async () => {
      if (room) await ctx.leaveRoom(room);
      ctx.router.show('groups');
    };
    const node = h('section', { class: 'view lobby' },
      h('h1', { text: t('lobby.title') }),
      h('p', { class: 'lead', text: t('lobby.lead', { name: group.name, time: formatTime(starts) }) }),
      reason === 'moderator_absent' ? h('p', { text: t('lobby.waiting_moderator') }) : null,
      clock,
      spoken,
      h('p', { text: t('lobby.meanwhile') }),
      h('ul', { class: 'tips' },
        h('li', { text: t('lobby.tip_water') }),
        h('li', { text: t('lobby.tip_breathe') }),
        h('li', { text: t('lobby.tip_help') })),
      h('button', { type: 'button', class: 'secondary', text: t('common.back'), onclick: leave }));
    return {
      node,
      dispose: () => {
        alive = false;
        clearInterval(ticker);
        if (retry) clearInterval(retry);
        offOpened();
      },
    };
  },
};
