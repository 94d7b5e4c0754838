/**
 * The moderator's console: duty, the load cap, alerts, the rooms of the shift (two open at once),
 * reports with their verification, sanctions in force (with lift), and "request a debrief".
 * State lives in the desk (desk.js); this view draws it and redraws the part that changed.
 */

import { h, keepFocus } from '../dom.js';
import { formatTime } from '../i18n.js';
import { untilText } from './actionform.js';
import { askNotifications, notificationsState, primeSound } from './attention.js';
import { flagLabel, roomPanel } from './roompanel.js';
import { errorText } from './strings.js';

function dutyBox(ctx, desk) {
  const { t } = ctx;
  const status = h('p', { class: ['duty-state', desk.onDuty ? 'on' : 'off'], role: 'status',
    text: t(desk.onDuty ? 'staff.duty.on' : 'staff.duty.off') });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const button = h('button', { type: 'button', class: desk.onDuty ? 'secondary' : 'primary',
    'data-focus-key': 'duty', 'aria-pressed': String(desk.onDuty),
    text: t(desk.onDuty ? 'staff.duty.go_off' : 'staff.duty.go_on'),
    onclick: async () => {
      primeSound();
      error.hidden = true;
      try {
        await desk.setDuty(!desk.onDuty);
      } catch (err) {
        error.textContent = errorText(t, err && err.code);
        error.hidden = false;
      }
    } });
  const notify = notificationsState();
  return h('section', { class: 'card duty', 'aria-labelledby': 'duty-title' },
    h('h2', { id: 'duty-title', text: t('staff.duty.title') }),
    status, h('div', { class: 'row' }, button,
      notify === 'default' ? h('button', { type: 'button', class: 'link small', text: t('staff.notify.ask'),
        onclick: async () => { await askNotifications(); ctx.router.refresh(); } }) : null),
    h('p', { class: 'muted small', text: desk.loadCap === null ? t('staff.load_cap.unknown')
      : t('staff.load_cap.text', { n: desk.loadCap }) }),
    error);
}

function alertItem(ctx, desk, a) {
  const { t } = ctx;
  const open = a.state === 'open';
  const error = h('span', { class: 'error', role: 'alert' });
  const room = ctx.rooms.get(a.room);
  const name = room && room.group ? room.group.name : a.room;
  return h('li', { class: ['alert-item', open ? 'open' : 'done', `level-${a.severity}`], 'data-alert': a.alert_id },
    h('p', { class: 'alert-what' }, h('strong', { text: flagLabel(t, a) })),
    h('p', { class: 'small', text: t('staff.alert.where', { name, pseudonym: a.pseudonym,
      source: t(`staff.source.${a.source || 'resent'}`),
      time: a.opened_at ? formatTime(new Date(a.opened_at * 1000)) : '' }) }),
    a.over_cap ? h('p', { class: 'muted small', text: t('staff.alert.over_cap') }) : null,
    h('div', { class: 'row' },
      open ? h('button', { type: 'button', class: 'primary small', text: t('staff.alert.ack'),
        'data-focus-key': `ack:${a.alert_id}`,
        onclick: async () => {
          try { await desk.ack(a.alert_id); } catch (err) { error.textContent = errorText(t, err && err.code); }
        } }) : h('span', { class: 'muted small', tabindex: '-1', 'data-focus-key': `ack:${a.alert_id}`,
        text: t('staff.alert.acked', { by: a.by || '' }) }), // keeps the focus of its "Acknowledge"
      room ? h('button', { type: 'button', class: 'link small', text: t('staff.alert.show_room'),
        onclick: () => { desk.showRoom(a.room); ctx.router.refresh(); } }) : null,
      error));
}

function alertsBox(ctx, desk) {
  const { t } = ctx;
  const n = desk.openAlerts;
  return h('section', { class: ['card', 'alerts', n ? 'lit' : null], 'aria-labelledby': 'alerts-title' },
    h('h2', { id: 'alerts-title', text: n ? t('staff.alerts.title_n', { n }) : t('staff.alerts.title') }),
    desk.alerts.length ? h('ul', { class: 'alert-list' }, ...desk.alerts.slice(0, 20).map((a) => alertItem(ctx, desk, a)))
      : h('p', { class: 'muted', text: t('staff.alerts.none') }));
}

function reportsBox(ctx, desk) {
  const { t } = ctx;
  return h('section', { class: 'card reports', 'aria-labelledby': 'reports-title' },
    h('h2', { id: 'reports-title', text: t('staff.reports.title') }),
    desk.reports.length ? h('ul', { class: 'report-list' }, ...desk.reports.map((r) => {
      const o = r.opened || {};
      const when = typeof o.ts === 'number' ? formatTime(new Date(o.ts)) : '';
      return h('li', { class: ['report-item', r.verified ? 'verified' : 'unverified'] },
        h('p', { class: 'verdict' }, h('strong', { text: r.verified
          ? t('staff.reports.verified', { name: o.sender || r.push.sender, time: when })
          : t('staff.reports.unverified') })),
        typeof o.text === 'string' ? h('blockquote', { class: 'excerpt', dir: 'auto', text: o.text }) : null,
        h('p', { class: 'muted small', text: t('staff.reports.reason', { reason: t(`report.${r.push.reason}`) }) }));
    })) : h('p', { class: 'muted', text: t('staff.reports.none') }));
}

function sanctionsBox(ctx, desk) {
  const { t } = ctx;
  const list = desk.inForce();
  return h('section', { class: 'card sanctions', 'aria-labelledby': 'sanctions-title' },
    h('h2', { id: 'sanctions-title', text: t('staff.sanctions.title') }),
    list.length ? h('ul', { class: 'sanction-list' }, ...list.map((s) => h('li', { 'data-sanction': s.sanction_id },
      h('span', { text: t(`staff.sanction.kind.${s.kind}`, { name: s.pseudonym || '' }) }), ' ',
      h('span', { class: 'muted', text: s.end === null ? t('staff.sanction.permanent') : untilText(ctx, s) }), ' ',
      h('button', { type: 'button', class: 'link small', text: t('staff.sanction.lift'),
        'aria-label': t('staff.sanction.lift_named', { what: t(`staff.sanction.kind.${s.kind}`, { name: s.pseudonym || '' }) }),
        onclick: async () => {
          try {
            await desk.lift(s.sanction_id);
            ctx.live(t('staff.sanction.lifted'));
          } catch (err) { ctx.live(errorText(t, err && err.code)); }
        } }))))
      : h('p', { class: 'muted', text: t('staff.sanctions.none') }));
}

function roomsBox(ctx, desk, groups, onOpen) {
  const { t } = ctx;
  return h('section', { class: 'card shift-rooms', 'aria-labelledby': 'rooms-title' },
    h('h2', { id: 'rooms-title', text: t('staff.rooms.title') }),
    groups === null ? h('p', { class: 'muted', text: t('staff.rooms.loading') })
      : h('ul', { class: 'shift-list' }, ...groups.map((g) => {
        const joined = g.room && ctx.rooms.get(g.room);
        const present = joined ? (joined.members || []).map((m) => m.pseudonym).join(', ') : null;
        return h('li', {},
          h('p', {}, h('strong', { text: g.name }), ' ',
            h('span', { class: 'muted small', text: t(`groups.state.${g.state}`) })),
          h('p', { class: 'small', text: present !== null ? t('staff.rooms.present', { names: present })
            : t('staff.rooms.seats', { n: (g.capacity || 0) - (g.seats_left || 0),
              moderator: t(g.moderator_present ? 'staff.rooms.mod_yes' : 'staff.rooms.mod_no') }) }),
          g.state === 'open' || g.state === 'lobby' ? h('button', { type: 'button', class: 'secondary small',
            'data-focus-key': `open:${g.id}`,
            text: joined ? t('staff.rooms.show') : t('staff.rooms.join'),
            'aria-label': `${joined ? t('staff.rooms.show') : t('staff.rooms.join')}: ${g.name}`,
            onclick: () => onOpen(g) }) : null);
      })));
}

export default {
  name: 'console',
  title: (t) => t('staff.console.title'),
  render(ctx) {
    const { t } = ctx;
    const desk = ctx.staff && ctx.staff.desk;
    if (!desk) return h('section', { class: 'view' }, h('h1', { text: t('staff.console.title') }));
    let groups = null;
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const top = h('div', { class: 'console-top' });
    const side = h('div', { class: 'console-side' });
    const roomsArea = h('div', { class: 'console-rooms' });
    let panels = [];
    const drawTop = () => keepFocus(top, () => top.replaceChildren(dutyBox(ctx, desk), alertsBox(ctx, desk)));
    const drawSide = () => keepFocus(side, () => side.replaceChildren(
      roomsBox(ctx, desk, groups, openGroup), reportsBox(ctx, desk), sanctionsBox(ctx, desk), debriefBox()));
    const drawRooms = () => {
      panels.forEach((p) => p.dispose());
      panels = desk.open.filter((r) => ctx.rooms.get(r)).map((r) => roomPanel(ctx, desk, r, {
        onClose: (id) => { desk.hideRoom(id); drawRooms(); } }));
      roomsArea.replaceChildren(...(panels.length ? panels.map((p) => p.node)
        : [h('p', { class: 'muted card', text: t('staff.rooms.none_open') })]));
    };
    async function openGroup(g) {
      error.hidden = true;
      try {
        const known = g.room && ctx.rooms.get(g.room);
        const reply = known ? { room: g.room } : await ctx.session.joinGroup(g.id);
        desk.showRoom(reply.room);
        drawRooms();
        drawSide();
        const heading = roomsArea.querySelector(`[data-room="${reply.room}"] h2`);
        if (heading) heading.focus(); // tabindex -1 (roompanel.js)
      } catch (err) {
        error.textContent = errorText(t, err && err.code);
        error.hidden = false;
      }
    }
    function debriefBox() {
      const status = h('p', { role: 'status', class: 'muted small' });
      return h('section', { class: 'card debrief', 'aria-labelledby': 'debrief-title' },
        h('h2', { id: 'debrief-title', text: t('staff.debrief.title') }),
        h('p', { class: 'small', text: t('staff.debrief.lead') }),
        h('button', { type: 'button', class: 'secondary', text: t('staff.debrief.ask'), onclick: async () => {
          try {
            const reply = await desk.requestDebrief();
            const key = !reply.notified ? 'staff.debrief.nobody'
              : reply.told === 'leads' ? 'staff.debrief.sent' : 'staff.debrief.sent_on_duty';
            status.textContent = t(key, { n: reply.notified });
          } catch (err) { status.textContent = errorText(t, err && err.code); }
        } }), status,
        desk.debriefs.length ? h('ul', { class: 'debrief-list' }, ...desk.debriefs.map((d) => h('li', {
          text: t('staff.debrief.asked', { name: d.by, time: formatTime(new Date(d.at * 1000)) }) }))) : null);
    }
    const loadGroups = async () => {
      try {
        groups = await ctx.session.listGroups();
      } catch (err) {
        groups = [];
      }
      drawSide();
    };
    drawTop();
    drawSide();
    drawRooms();
    loadGroups();
    desk.refreshSanctions();
    const offs = [
      desk.on('duty', drawTop),
      desk.on('alerts', drawTop),
      desk.on('reports', drawSide),
      desk.on('sanctions', drawSide),
      desk.on('debriefs', (list) => { drawSide(); ctx.live(t('staff.debrief.asked', { name: list[0].by,
        time: formatTime(new Date(list[0].at * 1000)) })); }),
      ctx.rooms.on('members', drawSide),
    ];
    const ticker = setInterval(drawSide, 30000); // sanctions that ended drop out by themselves
    const node = h('section', { class: 'view console' },
      h('div', { class: 'console-head row' },
        h('h1', { text: t('staff.console.title') }),
        h('span', { class: 'muted', text: t('staff.console.who', { name: ctx.session.auth.pseudonym,
          role: t(`role.${ctx.session.auth.role}`) }) })),
      // "Sign out" is in the page header (app.js), once: a second one here was a duplicate.
      error, top,
      h('div', { class: 'console-grid' }, roomsArea, side));
    return { node, dispose: () => { offs.forEach((off) => off()); panels.forEach((p) => p.dispose()); clearInterval(ticker); } };
  },
};
