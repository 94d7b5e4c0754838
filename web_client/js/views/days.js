/**
 * A private day counter. The start date lives only in this browser's storage: it is never sent,
 * and a quick exit leaves it alone (it is the person's own).
 */

import { h, field } from '../dom.js';
import { formatDay } from '../i18n.js';
import { loadValue, saveValue } from '../local.js';

const KEY = 'days.start';

/** Whole days from the local calendar date `start` (YYYY-MM-DD) to `now`. */
export function daysSince(start, now = new Date()) {
  const [y, m, d] = start.split('-').map(Number);
  const from = Date.UTC(y, m - 1, d);
  const to = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  return Math.max(0, Math.round((to - from) / 86400000));
}

function todayIso(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export default {
  name: 'days',
  title: (t) => t('days.title'),
  render(ctx) {
    const { t } = ctx;
    const start = loadValue(KEY);
    const date = field(t('days.start_label'), { type: 'date', max: todayIso(), value: start || todayIso(), name: 'start' });
    const save = (ev) => {
      ev.preventDefault();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date.input.value)) return;
      saveValue(KEY, date.input.value);
      ctx.live(t('days.saved'));
      ctx.router.refresh();
    };
    const count = start ? daysSince(start) : null;
    return h('section', { class: 'view days' },
      h('h1', { text: t('days.title') }),
      h('p', { class: 'private-tag', text: t('days.private') }),
      count !== null
        ? h('div', { class: 'card counter-card' },
          h('p', { class: 'big-number', 'data-testid': 'day-count', text: String(count) }),
          h('p', { text: t('days.count', { n: count, date: formatDay(new Date(`${start}T12:00:00`)) }) }))
        : h('p', { class: 'lead', text: t('days.lead') }),
      h('form', { class: 'card stack', onsubmit: save },
        date.wrap,
        h('div', { class: 'row' },
          h('button', { type: 'submit', class: 'primary', text: start ? t('days.update') : t('days.start') }),
          start ? h('button', { type: 'button', class: 'secondary', text: t('days.clear'),
            onclick: () => { saveValue(KEY, null); ctx.router.refresh(); } }) : null)),
      h('p', { class: 'muted', text: t('days.relapse_note') }));
  },
};
