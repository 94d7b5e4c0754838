/**
 * The peer client's entry point: the page frame (header, language, help, quick exit), the views,
 * and the session. Moderator and counsellor views register beside these with their own
 * navigation entries (see NAV below), chosen by the role the relay reports at sign-in.
 */

import { focusKeyOf, h, refocus } from './dom.js';
import { detectLanguage, language, LANGUAGE_NAMES, onLanguageChange, setLanguage, t } from './i18n.js';
import { Router } from './router.js';
import { Session } from './session.js';
import { Rooms } from './rooms.js';
import { Directs } from './directs.js';
import { installE2ee } from './messaging.js';
import { loadDetector } from './safety/detector-hook.js';
import { installQuickExitKey, quickExit } from './quickexit.js';
import { openHelp } from './views/help.js';
import { forgetDraft } from './views/composer.js';
import welcome from './views/welcome.js';
import groups from './views/groups.js';
import rules from './views/rules.js';
import lobby from './views/lobby.js';
import chat from './views/chat.js';
import direct from './views/direct.js';
import days from './views/days.js';
import safety from './views/safety.js';
import identity from './views/identity.js';

/** Navigation per role; staff roles add their views here when they exist. */
export const NAV = {
  peer: [['groups', 'nav.groups'], ['direct', 'nav.direct'], ['days', 'nav.days'], ['identity', 'nav.identity']],
};

const session = new Session();
const rooms = new Rooms(session);
const directs = new Directs(session);
const main = document.getElementById('main');
const live = document.getElementById('live');

const ctx = {
  t,
  lang: language,
  session,
  rooms,
  directs,
  e2ee: null, // the engine from js/e2ee/index.js once it exists
  escalation: { available: () => false, request: () => {} },
  live(text) {
    // Clear first so the same words said twice are announced twice.
    live.textContent = '';
    setTimeout(() => { live.textContent = text; }, 50);
  },
  openHelp: (opts) => openHelp(ctx, opts),
  /** A quick-exit button for a modal dialog (the header's is out of reach behind it). */
  quickExitButton: () => h('button', { type: 'button', class: 'exit-button dialog-exit', text: t('header.exit'),
    title: t('header.exit_hint'), onclick: () => leaveNow() }),
  /** Show (or clear) the "something new" mark on the private chats entry. */
  markDirectNews(on) {
    ctx.directNews = on;
    const link = document.querySelector('.navlink[data-view=direct]');
    if (!link) return;
    if (on) {
      link.dataset.news = '1';
      link.setAttribute('aria-label', `${t('nav.direct')} (${t('direct.new')})`);
    } else {
      delete link.dataset.news;
      link.removeAttribute('aria-label');
    }
  },
  afterSignIn() {
    drawHeader();
    ctx.router.show('groups');
  },
  /**
   * Join a group (rules already accepted). An open group shows its chat; in the lobby the relay
   * lets us in early and we wait in the lobby view for `group.opened`; before the lobby opens
   * the join is refused (group_not_open) and the lobby view keeps trying.
   */
  async enterGroup(group, { fromLobby = false } = {}) {
    try {
      const reply = await session.joinGroup(group.id);
      // The engine verifies the signed membership and shares a sender key now, not at its next
      // look at the session's rooms.
      if (ctx.e2ee && ctx.e2ee.onJoined) ctx.e2ee.onJoined(reply).catch(() => {});
      rooms.joined(reply);
      if (reply.group && reply.group.state === 'lobby') {
        ctx.router.show('lobby', { group: reply.group, room: reply.room }, { focus: !fromLobby });
        return { waiting: true };
      }
      ctx.router.show('chat', { room: reply.room, name: reply.group && reply.group.name });
      ctx.live(t('chat.joined', { name: group.name }));
      return { ok: true };
    } catch (err) {
      const code = err && err.code;
      if (code === 'group_not_open' || code === 'moderator_absent') {
        if (!fromLobby) ctx.router.show('lobby', { group, reason: code });
        return { waiting: true };
      }
      return { error: code || 'internal' };
    }
  },
  /** Leave a room (chat or lobby): tell the relay, forget it here, drop its keys at once. */
  async leaveRoom(roomId) {
    await session.leaveRoom(roomId);
    rooms.forget(roomId);
    forgetDraft(`room:${roomId}`);
    if (ctx.e2ee && ctx.e2ee.onLeft) await ctx.e2ee.onLeft(roomId).catch(() => {});
  },
  /** The lobby's door opened: go to the chat of a room we already joined. */
  openRoom(roomId) {
    const room = rooms.get(roomId);
    if (!room) return;
    if (room.group) room.group = { ...room.group, state: 'open' };
    ctx.router.show('chat', { room: roomId, name: room.group && room.group.name });
    ctx.live(t('chat.joined', { name: room.group ? room.group.name : '' }));
  },
};
ctx.router = new Router(main, ctx);
for (const view of [welcome, groups, rules, lobby, chat, direct, days, safety, identity]) {
  ctx.router.register(view);
}

function leaveNow() {
  quickExit(() => {
    installE2ee(null);
    session.close();
    ctx.router.clear();
  });
}

function drawHeader() {
  const header = document.getElementById('top');
  const focusKey = focusKeyOf(header); // a language switch redraws the menu that was just used
  const select = h('select', { id: 'lang', 'aria-label': t('header.language'),
    onchange: (ev) => setLanguage(ev.target.value) },
  ...Object.entries(LANGUAGE_NAMES).map(([code, name]) => h('option', { value: code, selected: code === language(), text: name })));
  const nav = session.signedIn
    ? h('nav', { 'aria-label': t('nav.label'), class: 'nav' },
      h('ul', {}, ...(NAV[session.auth.role] || NAV.peer).map(([view, key]) => h('li', {},
        h('button', { type: 'button', class: 'navlink', 'data-view': view, 'data-focus-key': `nav-${view}`, text: t(key),
          onclick: () => ctx.router.show(view) })))))
    : null;
  header.replaceChildren(...[
    h('div', { class: 'topbar' },
      h('span', { class: 'brand', text: 'Iltapiiri' }),
      h('div', { class: 'top-actions' },
        select,
        h('button', { type: 'button', id: 'help-button', class: 'help-button', text: t('header.help'),
          onclick: () => ctx.openHelp({ reason: 'button' }) }),
        h('button', { type: 'button', id: 'exit-button', class: 'exit-button', text: t('header.exit'),
          title: t('header.exit_hint'), 'aria-keyshortcuts': 'Escape Escape',
          onclick: leaveNow }))),
    nav,
    h('p', { id: 'net-status', class: 'net-status', role: 'status', hidden: true })].filter(Boolean));
  document.getElementById('skip').textContent = t('header.skip');
  markNav();
  refocus(header, focusKey);
  // A redraw (language switch) keeps what the header was showing.
  showNetStatus(ctx.online !== false);
  if (ctx.directNews) ctx.markDirectNews(true);
}

function showNetStatus(online, error = ctx.netError) {
  ctx.online = online;
  ctx.netError = online ? null : error || null;
  const el = document.getElementById('net-status');
  if (!el) return;
  el.hidden = online;
  // Back online but refused because this name is open in too many tabs: say what to do.
  el.textContent = online ? '' : t(ctx.netError === 'too_many_connections'
    ? 'error.too_many_connections' : 'header.reconnecting');
}

function markNav() {
  const current = ctx.router.current && ctx.router.current.name;
  for (const b of document.querySelectorAll('.navlink')) {
    if (b.dataset.view === current) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
}

async function loadE2ee() {
  // The crypto port lives in js/e2ee/ (another engineer's module); until it exists the send path
  // refuses with "encryption not ready" and nothing is sent.
  try {
    const mod = await import('./e2ee/index.js');
    if (typeof mod.createE2ee === 'function') {
      ctx.e2ee = await mod.createE2ee(ctx);
      installE2ee(ctx.e2ee);
    }
  } catch (err) {
    installE2ee(null);
  }
}

async function start() {
  setLanguage(detectLanguage(), false);
  drawHeader();
  directs.on('change', (c) => {
    const here = ctx.router.current && ctx.router.current.name === 'direct';
    if (c.state === 'incoming') ctx.live(t('direct.incoming', { name: c.peer }));
    if (!here && (c.state === 'incoming' || c.state === 'open')) ctx.markDirectNews(true);
  });
  onLanguageChange(() => {
    drawHeader();
    ctx.router.refresh();
  });
  ctx.router.onChange(markNav);
  installQuickExitKey(leaveNow);
  session.on('status', ({ online, error }) => showNetStatus(online, error));
  loadDetector();
  loadE2ee();
  const id = await session.loadIdentity();
  if (id && id.pseudonym) {
    await resumeSignIn();
    return;
  }
  ctx.router.show('welcome', {}, { focus: false });
}

/** A returning person: sign in with the stored identity, and keep trying while offline
 * (showing the welcome view instead would invite them to pick a new name by mistake). */
async function resumeSignIn() {
  const status = h('p', { class: 'muted', role: 'status', text: t('welcome.signing_in') });
  main.replaceChildren(h('section', { class: 'view' }, status));
  for (let attempt = 0; ; attempt += 1) {
    try {
      await session.signIn(undefined);
      ctx.afterSignIn();
      return;
    } catch (err) {
      const code = err && err.code;
      if (!['offline', 'timeout', 'disconnected', 'too_many_connections'].includes(code)) {
        ctx.router.show('welcome', {}, { focus: false });
        return;
      }
      // Too many tabs with this name: not a reason to pick a new one; wait for a tab to close.
      status.textContent = t(code === 'too_many_connections' ? 'error.too_many_connections'
        : 'welcome.offline_retry');
      const cap = code === 'too_many_connections' ? 5000 : 15000;
      await new Promise((resolve) => { setTimeout(resolve, Math.min(cap, 1000 * 2 ** attempt)); });
    }
  }
}

// No global: the session and the engine (chain keys included) are reachable from no page
// script. A browser test installs window.__iltapiiriDiagnostics with page.add_init_script
// (before any page script); the shipped page never defines it. A script that could run that
// early in this origin could replace WebCrypto itself, so the hook gives it nothing more.
const diagnostics = globalThis.__iltapiiriDiagnostics;
if (typeof diagnostics === 'function') diagnostics(ctx);
start();
