/**
 * The counsellor's console ('counsel'): available / away with a capacity, the queue in risk
 * order with waiting times that tick, claim, each 1:1 beside its case context (level,
 * categories, flags, wait, what the person shared; a location or contact detail they shared for
 * an emergency at the top, newest first, with its time), canned openers in three languages, transfer,
 * close with an outcome, and the supervisor's queue health (counts and times only).
 */

import { h, keepFocus } from '../../dom.js';
import { formatTime } from '../../i18n.js';
import { OPENERS } from './strings.js';
import { MAX_CAPACITY, OUTCOMES } from './desk.js';

const mmss = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
const errText = (t, err) => t('counsel.error', { code: (err && err.code) || 'internal' });
// A case's categories and source are tokens on the wire: shown in the console's language. A
// reason no string knows (a topic the person typed, say) is shown as it came.
const known = (t, key, raw) => { const text = t(key); return text === key ? raw : text; };
const categoriesText = (t, c) => c.categories.map((k) => known(t, `staff.category.${k}`, k)).join(', ');
const sourceText = (t, c) => known(t, `counsel.source.${c.source}`, c.source);

function availabilityBox(ctx, desk) {
  const { t } = ctx;
  const cap = h('input', { id: 'counsel-capacity', type: 'number', min: '1', max: String(MAX_CAPACITY), value: String(desk.capacity) });
  const error = h('p', { class: 'error', role: 'alert' });
  return h('section', { class: 'card counsel-duty', 'aria-labelledby': 'counsel-duty-title' },
    h('h2', { id: 'counsel-duty-title', text: t('counsel.duty') }),
    h('p', { role: 'status', class: ['duty-state', desk.available ? 'on' : 'off'], text: t(desk.available ? 'counsel.available' : 'counsel.away') }),
    h('div', { class: 'field inline' }, h('label', { for: 'counsel-capacity', text: t('counsel.capacity') }), cap),
    h('button', { type: 'button', id: 'counsel-toggle', class: desk.available ? 'secondary' : 'primary', 'data-focus-key': 'counsel-toggle',
      text: t(desk.available ? 'counsel.go_away' : 'counsel.go_available'),
      onclick: () => desk.setAvailability(!desk.available, cap.value).catch((e) => { error.textContent = errText(t, e); }) }),
    error);
}

function queueBox(ctx, desk) {
  const { t } = ctx;
  const error = h('p', { class: 'error', role: 'alert' });
  return h('section', { class: 'card counsel-queue', 'aria-labelledby': 'counsel-queue-title' },
    h('h2', { id: 'counsel-queue-title', text: t('counsel.queue', { n: desk.queue.length }) }),
    desk.queue.length ? h('ol', { class: 'queue-list' }, ...desk.queue.map((c) => h('li', { class: [`level-${c.level}`, desk.isFresh(c) ? 'fresh-urgent' : ''], 'data-case': c.case_id },
      desk.isFresh(c) ? h('strong', { class: 'badge danger new-case', text: t('counsel.new_urgent') }) : '', desk.isFresh(c) ? ' ' : '',
      h('strong', { text: t('counsel.level', { n: c.level }) }), ' ',
      h('span', { class: 'waited', text: t('counsel.waited', { time: mmss(desk.waited(c)) }) }), ' ',
      h('span', { class: 'small muted', text: [categoriesText(t, c), c.from_group ? t('counsel.from_group') : '',
        c.offered_to_me ? t('counsel.offered') : ''].filter(Boolean).join(' · ') }), ' ',
      h('button', { type: 'button', class: 'primary small claim', 'data-focus-key': `claim:${c.case_id}`, text: t('counsel.claim'),
        onclick: () => desk.claim(c).catch((e) => { error.textContent = errText(t, e); }) }))))
      : h('p', { class: 'muted', text: t('counsel.queue_empty') }), error);
}

function sessionPanel(ctx, desk, c) {
  const { t, lang } = ctx;
  const error = h('p', { class: 'error', role: 'alert' });
  const input = h('textarea', { rows: '2', class: 'counsel-text', 'aria-label': t('counsel.write') });
  const send = async (text) => {
    try { await desk.send(c, text); input.value = ''; } catch (e) { error.textContent = errText(t, e); }
  };
  const outcome = h('select', { class: 'outcome', 'aria-label': t('counsel.outcome') },
    ...OUTCOMES.map((o) => h('option', { value: o, text: t(`counsel.outcome.${o}`) })));
  const to = h('input', { type: 'text', class: 'transfer-to', 'aria-label': t('counsel.transfer_to') });
  const notes = h('textarea', { rows: '3', class: 'case-notes', maxlength: '4000', 'aria-label': t('counsel.notes') });
  const left = desk.ended.get(c.case_id);
  const log = h('ol', { class: 'case-log', 'aria-label': t('counsel.log') });
  const leftNote = h('p', { class: 'notice', role: 'status', hidden: !left, text: t('counsel.person_left') });
  const shareTitle = `share-title-${c.case_id}`;
  const shareList = h('ul', { class: 'share-list' });
  const shares = h('section', { class: 'emergency-share', 'aria-labelledby': shareTitle, hidden: true },
    h('h3', { id: shareTitle, text: t('counsel.share_title') }), shareList,
    h('p', { class: 'small', text: t('counsel.share_note') }));
  const update = () => {
    const list = desk.sharesOf(c);
    shares.hidden = !list.length;
    shareList.replaceChildren(...list.slice().reverse().map((x) => h('li', { 'data-kind': x.kind },
      h('strong', { text: `${t(`counsel.share_${x.kind}`)} ` }),
      h('time', { datetime: new Date(x.at).toISOString(), text: formatTime(new Date(x.at)) }),
      h('p', { class: 'share-value', dir: 'auto', text: x.value }))));
    log.replaceChildren(...desk.messages(c).map((m) => h('li', { class: ['msg', m.mine ? 'mine' : 'theirs'] },
      h('p', { dir: 'auto', text: m.text }))));
    leftNote.hidden = !desk.ended.has(c.case_id);
  };
  update();
  const node = h('section', { class: 'card counsel-session', 'data-case': c.case_id, 'aria-label': t('counsel.session', { name: c.person.pseudonym }) },
    h('h2', { text: t('counsel.session', { name: c.person.pseudonym }) }),
    shares,
    h('dl', { class: 'case-context' },
      h('dt', { text: t('counsel.ctx_level') }), h('dd', { text: String(c.level) }),
      h('dt', { text: t('counsel.ctx_categories') }), h('dd', { text: categoriesText(t, c) || '-' }),
      h('dt', { text: t('counsel.ctx_flags') }), h('dd', { text: `${sourceText(t, c)}${c.from_group ? `, ${t('counsel.from_group')}` : ''}${c.realerts ? `, ${t('counsel.realerts', { n: c.realerts })}` : ''}` }),
      h('dt', { text: t('counsel.ctx_waited') }), h('dd', { text: mmss(c.waited_s || 0) }),
      h('dt', { text: t('counsel.ctx_shared') }), h('dd', { text: String(c.shared_items || 0) })),
    leftNote,
    log,
    h('div', { class: 'openers row' }, ...OPENERS[lang() in OPENERS ? lang() : 'en'].map((o) => h('button', { type: 'button', class: 'link small opener', text: o,
      onclick: () => { input.value = o; input.focus(); } }))),
    h('form', { class: 'composer', onsubmit: (ev) => { ev.preventDefault(); if (input.value.trim()) send(input.value.trim()); } },
      input, h('button', { type: 'submit', class: 'primary', text: t('counsel.send') })),
    h('div', { class: 'row' }, to, h('button', { type: 'button', class: 'secondary small transfer', text: t('counsel.transfer'),
      onclick: () => desk.transfer(c.case_id, to.value.trim()).then(() => ctx.live(t('counsel.transfer_asked'))).catch((e) => { error.textContent = errText(t, e); }) })),
    notes,
    h('div', { class: 'row' }, outcome, h('button', { type: 'button', class: 'secondary close-case', text: t('counsel.close'),
      onclick: () => desk.close(c.case_id, outcome.value, notes.value).then(() => ctx.live(t('counsel.closed'))).catch((e) => { error.textContent = errText(t, e); }) })),
    error);
  return { node, update };
}

function notesBox(ctx, desk) {
  const { t } = ctx;
  const id = h('input', { type: 'text', id: 'notes-case', class: 'notes-case', 'aria-label': t('counsel.notes_case') });
  const out = h('ol', { class: 'notes-list' });
  const status = h('p', { class: 'muted small', role: 'status' });
  return h('section', { class: 'card counsel-notes', 'aria-labelledby': 'counsel-notes-title' },
    h('h2', { id: 'counsel-notes-title', text: t('counsel.notes_title') }),
    h('form', { class: 'row', onsubmit: (ev) => {
      ev.preventDefault();
      desk.readNotes(id.value.trim()).then((list) => {
        out.replaceChildren(...list.map((n) => h('li', { dir: 'auto', text: n })));
        status.textContent = list.length ? '' : t('counsel.notes_none');
      }).catch((e) => { status.textContent = errText(t, e); });
    } }, id, h('button', { type: 'submit', class: 'secondary small read-notes', text: t('counsel.notes_read') })),
    status, out);
}

function transfersBox(ctx, desk) {
  const { t } = ctx;
  if (!desk.transfers.length) return null;
  return h('section', { class: 'card counsel-transfers', 'aria-labelledby': 'counsel-tr-title' },
    h('h2', { id: 'counsel-tr-title', text: t('counsel.transfers') }),
    h('ul', {}, ...desk.transfers.map((x) => h('li', {},
      h('span', { text: t('counsel.transfer_from', { from: x.from, n: x.case.level }) }), ' ',
      h('button', { type: 'button', class: 'primary small accept-transfer', text: t('counsel.accept'), onclick: () => desk.answerTransfer(x.case.case_id, true).catch(() => {}) }), ' ',
      h('button', { type: 'button', class: 'secondary small', text: t('counsel.decline'), onclick: () => desk.answerTransfer(x.case.case_id, false).catch(() => {}) })))));
}

function healthBox(ctx, desk) {
  const { t } = ctx;
  const hl = desk.health;
  return h('section', { class: 'card counsel-health', 'aria-labelledby': 'counsel-health-title' },
    h('h2', { id: 'counsel-health-title', text: t('counsel.health') }),
    hl ? h('dl', {},
      h('dt', { text: t('counsel.h_waiting') }), h('dd', { class: 'h-waiting', text: hl.waiting_per_level.map((n, i) => `${i + 1}: ${n}`).join(' · ') }),
      h('dt', { text: t('counsel.h_oldest') }), h('dd', { text: mmss(hl.oldest_wait_s || 0) }),
      h('dt', { text: t('counsel.h_claim') }), h('dd', { text: hl.median_time_to_claim_s === null ? '-' : mmss(Math.round(hl.median_time_to_claim_s)) }),
      h('dt', { text: t('counsel.h_available') }), h('dd', { text: String(hl.available_counsellors) }),
      h('dt', { text: t('counsel.h_sessions') }), h('dd', { text: Object.values(hl.sessions_per_counsellor || {}).join(', ') || '0' }),
      h('dt', { text: t('counsel.h_gaps') }), h('dd', { text: String((hl.no_one_on_duty || []).length) }))
      : h('p', { class: 'muted', text: t('counsel.health_none') }),
    h('button', { type: 'button', class: 'link small', text: t('counsel.health_refresh'), onclick: () => desk.loadHealth() }));
}

export default {
  name: 'counsel',
  title: (t) => t('counsel.title'),
  render(ctx) {
    const { t } = ctx;
    const desk = ctx.counsellor;
    const top = h('div', { class: 'counsel-top' });
    const sessions = h('div', { class: 'counsel-sessions' });
    const panels = new Map(); // case_id -> {node, update}: a redraw keeps what is being typed
    const draw = () => {
      keepFocus(top, () => top.replaceChildren(availabilityBox(ctx, desk), transfersBox(ctx, desk) || '', queueBox(ctx, desk), healthBox(ctx, desk)));
      const held = desk.mine.filter((c) => c.person);
      for (const id of [...panels.keys()]) if (!held.some((c) => c.case_id === id)) panels.delete(id);
      for (const c of held) {
        if (!panels.has(c.case_id)) panels.set(c.case_id, sessionPanel(ctx, desk, c));
        panels.get(c.case_id).update();
      }
      const nodes = held.map((c) => panels.get(c.case_id).node);
      if (nodes.length !== sessions.children.length || nodes.some((n, i) => sessions.children[i] !== n)) sessions.replaceChildren(...nodes);
    };
    draw();
    desk.refresh();
    desk.loadHealth();
    const offs = [desk.on('change', draw), desk.on('alert', () => ctx.live(t('counsel.realert'))),
      // Politely, and only when the queue grows: the heading's count is not a live region.
      desk.on('grew', (d) => ctx.live(t(d.urgent ? 'counsel.queue_grew_urgent' : 'counsel.queue_grew', { n: d.n }))),
      desk.on('share', (d) => ctx.live(t(`counsel.share_arrived_${d.kind}`, { name: d.pseudonym })))];
    const ticker = setInterval(() => keepFocus(top, () => {
      for (const el of top.querySelectorAll('.queue-list li')) {
        const c = desk.queue.find((q) => q.case_id === el.dataset.case);
        if (c && el.classList.contains('fresh-urgent') && !desk.isFresh(c)) { draw(); return; } // no longer new
        const w = el.querySelector('.waited');
        if (c && w) w.textContent = t('counsel.waited', { time: mmss(desk.waited(c)) });
      }
    }), 1000);
    const node = h('section', { class: 'view counsel' },
      h('div', { class: 'console-head row' }, h('h1', { text: t('counsel.title') }),
        h('span', { class: 'muted', text: t('staff.console.who', { name: ctx.session.auth.pseudonym, role: t(`role.${ctx.session.auth.role}`) }) })),
      // "Sign out" is in the page header (app.js), once.
      top, sessions, notesBox(ctx, desk)); // outside the redrawn part: what is typed stays
    return { node, dispose: () => { offs.forEach((off) => off()); clearInterval(ticker); } };
  },
};
