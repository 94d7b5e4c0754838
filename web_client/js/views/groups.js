/** Tonight's groups: times in the reader's locale, language, topic, seats left, state. */

import { h } from '../dom.js';
import { formatTime, formatDay, languageName } from '../i18n.js';

const REFRESH_MS = 30000;
const ALL_DAY_MS = 24 * 3600 * 1000; // always-open groups span a whole day

function groupCard(ctx, g) {
  const { t } = ctx;
  const starts = new Date(g.starts_at);
  const ends = new Date(g.ends_at);
  const full = g.seats_left !== undefined && g.seats_left <= 0;
  const laterDay = g.state === 'scheduled' && !sameLocalDay(starts, new Date());
  const stateLabel = laterDay ? t('groups.state.upcoming') : t(`groups.state.${g.state}`);
  let action;
  const mine = g.room && ctx.rooms.get(g.room);
  if (mine && !mine.closed && g.state !== 'closed') {
    // Already in this room tonight (went to another view): straight back, no rules again.
    const label = g.state === 'open' ? t('groups.back_to_chat') : t('groups.back_to_lobby');
    // Unread messages of this room: said in words, shown as a number (aria-hidden).
    const n = ctx.unread ? ctx.unread.count(`room:${g.room}`) : 0;
    action = h('button', {
      type: 'button', class: 'primary', 'aria-label': n ? null : `${label}: ${g.name}`,
      onclick: () => (g.state === 'open'
        ? ctx.router.show('chat', { room: g.room, name: g.name })
        : ctx.router.show('lobby', { group: g, room: g.room })),
    }, label,
    n ? h('span', { class: 'visually-hidden', text: `: ${g.name} (${t('unread.count', { n })})` }) : null,
    n ? h('span', { class: 'unread-badge', 'aria-hidden': 'true', text: String(n) }) : null);
  } else if (laterDay) {
    // Not tonight: nothing to wait for yet (a lobby counting down days would only weigh).
    action = h('p', { class: 'muted', text: t('groups.next_time', { day: formatDay(starts), time: formatTime(starts) }) });
  } else if (g.state === 'closed') {
    action = h('p', { class: 'muted', text: t('groups.closed_tonight') });
  } else if (full) {
    action = h('p', { class: 'muted', text: t('groups.full') });
  } else {
    const label = g.state === 'open' ? t('groups.join')
      : g.state === 'lobby' ? t('groups.wait_in_lobby') : t('groups.opens_at', { time: formatTime(starts) });
    action = h('button', {
      type: 'button', class: 'primary', text: label,
      'aria-label': `${label}: ${g.name}`,
      // Rules accepted earlier tonight on this device (a reload): straight in.
      onclick: () => (ctx.history.rulesAccepted(g) ? ctx.enterGroup(g) : ctx.router.show('rules', { group: g })),
    });
  }
  const titleId = `group-${g.id}`;
  return h('li', { class: ['card', 'group', `state-${g.state}`], 'aria-labelledby': titleId },
    h('div', { class: 'group-head' },
      h('h2', { id: titleId, text: g.name }),
      h('span', { class: ['badge', `badge-${g.state}`], text: stateLabel })),
    g.topic ? h('p', { class: 'topic', text: g.topic }) : null,
    h('dl', { class: 'facts' },
      h('dt', { text: t('groups.when') }),
      h('dd', {}, h('time', { datetime: g.starts_at,
        text: ends - starts >= ALL_DAY_MS ? t('groups.all_day')
          : `${formatDay(starts)} ${formatTime(starts)}–${formatTime(ends)}` })),
      h('dt', { text: t('groups.language') }),
      h('dd', { text: languageName(g.language) }),
      h('dt', { text: t('groups.seats') }),
      h('dd', { text: t('groups.seats_left', { n: g.seats_left, capacity: g.capacity }) }),
      g.moderator_required ? h('dt', { text: t('groups.moderator') }) : null,
      g.moderator_required ? h('dd', {
        text: g.moderator_present ? t('groups.moderator_present') : t('groups.moderator_absent'),
      }) : null),
    action);
}

const STATE_ORDER = { open: 0, lobby: 1, scheduled: 2, closed: 3 };

function sameLocalDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** Open groups first, then the lobby, then what comes next by start time, closed ones last. */
export function sortGroups(groups) {
  return [...groups].sort((a, b) => (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9)
    || Date.parse(a.starts_at) - Date.parse(b.starts_at));
}

export default {
  name: 'groups',
  title: (t) => t('groups.title'),
  render(ctx) {
    const { t } = ctx;
    const list = h('ul', { class: 'group-list', 'aria-busy': 'true' });
    const status = h('p', { class: 'muted', role: 'status', text: t('groups.loading') });
    let alive = true;
    const load = async () => {
      try {
        const groups = await ctx.session.listGroups();
        if (!alive) return;
        list.replaceChildren(...sortGroups(groups).map((g) => groupCard(ctx, g)));
        status.textContent = groups.length ? '' : t('groups.none');
        status.hidden = groups.length > 0;
      } catch (err) {
        if (alive) {
          status.textContent = t('groups.load_failed');
          status.hidden = false;
        }
      } finally {
        list.setAttribute('aria-busy', 'false');
      }
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    // Once, right after a restore: this is a restored device, and whether private chats go on.
    let notice = null;
    if (ctx.deviceNotice) {
      notice = h('div', { class: 'card device-notice', role: 'status' },
        h('p', { text: t(ctx.deviceNotice) }),
        h('button', { type: 'button', class: 'secondary small', text: t('common.dismiss'),
          onclick: () => {
            ctx.deviceNotice = null;
            notice.remove();
            node.querySelector('h1').focus();
          } }));
    }
    const node = h('section', { class: 'view groups' },
      h('h1', { text: t('groups.title') }),
      h('p', { class: 'lead', text: t('groups.lead', {
        pseudonym: ctx.session.auth ? ctx.session.auth.pseudonym : '' }) }),
      notice,
      status,
      list);
    return { node, dispose: () => { alive = false; clearInterval(timer); } };
  },
};
