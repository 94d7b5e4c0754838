/**
 * The composition root: createApp() makes every long-lived object of the page (session, rooms,
 * 1:1 conversations, router, views, the e2ee engine once loaded) and wires them; main.js boots
 * it. No module below keeps a singleton of these: they get what they need from here (`ctx`).
 *
 * Staff code lives in js/staff/ and is loaded with a dynamic import only after a sign-in with a
 * staff role, so a peer's browser never downloads it (tests/web_client/test_staff_loading.py).
 */

import { focusKeyOf, h, refocus } from './dom.js';
import { detectLanguage, language, LANGUAGE_NAMES, onLanguageChange, setLanguage, t } from './i18n.js';
import { Router } from './router.js';
import { Session } from './session.js';
import { Rooms } from './rooms.js';
import { Directs } from './directs.js';
import { Messaging } from './messaging.js';
import { Outbox } from './outbox.js';
import { Unread } from './unread.js';
import { lockFreed, stepBack, steppedBack, TabGuard } from './tabs.js';
import { loadDetector } from './safety/detector-hook.js';
import { installQuickExitKey, quickExit } from './quickexit.js';
import { openHelp } from './views/help.js';
import { draftOf, forgetDraft, onDraft, putDraft } from './views/composer.js';
import { installViewportHeight, menuToggle, restoreTheme, themeSelect } from './views/header.js';
import { History } from './history.js';
import { Notices } from './notices.js';
import { forgetDevice } from './forget.js';
import { deleteSealed, getSealed, listSealed, putSealed } from './identity/store.js';
import welcome from './views/welcome.js';
import groups from './views/groups.js';
import rules from './views/rules.js';
import lobby from './views/lobby.js';
import chat from './views/chat.js';
import direct from './views/direct.js';
import days from './views/days.js';
import safety from './views/safety.js';
import identity from './views/identity.js';
import elsewhere from './views/elsewhere.js';
import { mountCases } from './cases/index.js';
import settings from './views/settings.js';
import lockView from './views/lock.js';
import { isLocked, lockNow, touch } from './lock.js';

/** Navigation per role; staff roles get theirs from js/staff/ (mountStaff). */
export const STAFF_ROLES = Object.freeze(['moderator', 'counsellor', 'admin']);
export const NAV = {
  peer: [['groups', 'nav.groups'], ['direct', 'nav.direct'], ['days', 'nav.days'], ['identity', 'nav.identity'],
    ['settings', 'nav.settings']],
};

/**
 * Build the page's objects in `doc` and wire them; `start()` shows the first view. `entry:
 * 'staff'` is the staff page (staff.html, after the staff sign-in): it signs in on the socket at
 * once, without the welcome view (the relay names a staff connection after the account).
 */
export function createApp({ doc = document, entry = 'peer' } = {}) {
  const session = new Session();
  const messaging = new Messaging();
  const rooms = new Rooms(session, messaging);
  const directs = new Directs(session, messaging);
  const outbox = new Outbox(session, messaging, rooms);
  const tabs = new TabGuard();
  const notices = new Notices(session, rooms);
  const history = new History({ session, rooms, store: { putSealed, getSealed, deleteSealed, listSealed },
    drafts: { draftOf, putDraft, onDraft } });
  const main = doc.getElementById('main');
  const live = doc.getElementById('live');

  const ctx = {
    t,
    lang: language,
    session,
    messaging,
    rooms,
    directs,
    outbox,
    history,
    notices,
    e2ee: null, // the engine from js/e2ee/index.js once loaded
    escalation: { available: () => false, request: () => {} },
    live(text) {
      // Clear first so the same words said twice are announced twice.
      live.textContent = '';
      setTimeout(() => { live.textContent = text; }, 50);
    },
    openHelp: (opts) => openHelp(ctx, opts),
    forgetDevice: (publicKey) => forgetDevice({ e2ee: ctx.e2ee, history, publicKey }),
    /** "Use here": the other tab steps back, then this one starts clean from the stored state. */
    async useHere() {
      await tabs.claim();
      doc.defaultView.location.reload();
    },
    /** A quick-exit button for a modal dialog (the header's is out of reach); none for staff. */
    quickExitButton: entry === 'staff' ? null : () => h('button', { type: 'button', class: 'exit-button dialog-exit', text: t('header.exit'),
      title: t('header.exit_hint'), onclick: () => leaveNow() }),
    /** Show (or clear) the "something new" mark on the private chats entry. */
    markDirectNews(on) {
      ctx.directNews = on;
      drawBadges();
    },
    afterSignIn() {
      drawHeader();
      ctx.router.show(ctx.home);
    },
    entry, // 'peer' (index.html) or 'staff' (staff.html)
    home: 'groups', // the first view after a sign-in; the staff console sets its own
    /** The navigation of a role (the staff console brings its entries); redraws the header. */
    setNav(role, items) {
      NAV[role] = items;
      drawHeader();
    },
    /**
     * Join a group (rules already accepted). An open group shows its chat; in the lobby the relay
     * lets us in early and we wait in the lobby view for `group.opened`; before the lobby opens
     * the join is refused (group_not_open) and the lobby view keeps trying.
     */
    async enterGroup(group, { fromLobby = false } = {}) {
      try {
        // The session says 'room.joined': the rooms view state and the engine (which verifies
        // the signed membership and shares a sender key) both hear it at once.
        const reply = await session.joinGroup(group.id);
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
    /** Leave a room (chat or lobby): the session tells the relay and says 'room.left' (the
     * engine drops the room's keys at once); a room that already closed is forgotten here. */
    async leaveRoom(roomId) {
      await session.leaveRoom(roomId);
      rooms.forget(roomId);
      forgetDraft(`room:${roomId}`);
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
  ctx.unread = new Unread({ rooms, directs, router: ctx.router, t, doc });
  ctx.unread.on('change', () => drawBadges());
  for (const view of [welcome, groups, rules, lobby, chat, direct, days, safety, identity, elsewhere, settings,
    lockView]) {
    ctx.router.register(view);
  }
  mountCases(ctx); // the person's way to a counsellor (js/cases/): ctx.escalation, the 'case' view

  // Another tab took the chat over: close this connection and reload into "open elsewhere",
  // which lets go of the engine's Web Lock (js/e2ee/index.js) for the tab now in use.
  tabs.on('yield', () => {
    outbox.clear();
    messaging.install(null);
    session.close();
    stepBack(doc.defaultView);
  });

  /** Unread counts on the navigation (groups, private chats) and on the phone's menu button;
   * the "new" mark of a private chat request. */
  function drawBadges() {
    const counts = { groups: ctx.unread.total('room:'), direct: ctx.unread.total('direct:') };
    for (const link of doc.querySelectorAll('.navlink')) {
      const view = link.dataset.view;
      const n = counts[view] || 0;
      const news = view === 'direct' && ctx.directNews;
      if (news) link.dataset.news = '1';
      else delete link.dataset.news;
      // The name says it in words ("Private chats (2 unread)"), the badge shows the number.
      const extra = [n ? t('unread.count', { n }) : null, news ? t('direct.new') : null].filter(Boolean);
      link.querySelectorAll('.unread-badge, .nav-extra').forEach((el) => el.remove());
      if (extra.length) link.append(h('span', { class: 'visually-hidden nav-extra', text: ` (${extra.join(', ')})` }));
      if (n) link.append(h('span', { class: 'unread-badge', 'aria-hidden': 'true', text: String(n) }));
    }
    const menu = doc.getElementById('menu-button');
    if (menu) {
      const total = counts.groups + counts.direct;
      menu.dataset.unread = total ? String(total) : '';
      menu.setAttribute('aria-label', total ? `${t('header.menu')} (${t('unread.count', { n: total })})` : t('header.menu'));
    }
  }

  function leaveNow() {
    ctx.unread.reset();
    lockNow(); // with a device lock set, the next visit asks for it first
    quickExit(() => {
      outbox.clear();
      messaging.install(null);
      session.close();
      ctx.router.clear();
    });
  }

  // The staff page (a desk, a shift) has no quick exit but "Sign out" (docs/decisions.md).
  const exitOrSignOut = () => (entry !== 'staff'
    ? h('button', { type: 'button', id: 'exit-button', class: 'exit-button', text: t('header.exit'),
      title: t('header.exit_hint'), 'aria-keyshortcuts': 'Escape Escape', onclick: leaveNow })
    : ctx.staff ? h('button', { type: 'button', id: 'signout-button', class: 'secondary small signout-button',
      'data-focus-key': 'signout', text: t('staff.signout'), onclick: () => ctx.staff.signOut() }) : null);

  function drawHeader() {
    const header = doc.getElementById('top');
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
    // One row on a phone: name, help, menu, quick exit; the menu holds the navigation, the
    // language and the theme. Wider, the menu's contents sit in the header itself (CSS order).
    // Tab order: help, quick exit, then the menu: the quick exit is the second stop everywhere.
    const pro = session.signedIn && entry === 'peer' ? h('button', { type: 'button', id: 'pro-button',
      class: 'secondary small pro-button', 'data-focus-key': 'pro', text: t('header.pro'),
      onclick: () => ctx.router.show('case') }) : null;
    const panel = h('div', { id: 'menu-panel', class: 'menu-panel' }, select, themeSelect(t), pro, nav);
    header.replaceChildren(...[
      h('div', { class: 'topbar' },
        h('span', { class: 'brand', text: 'Iltapiiri' }),
        h('div', { class: 'top-actions' },
          h('button', { type: 'button', id: 'help-button', class: 'help-button', text: t('header.help'),
            title: t('header.help_hint'), onclick: () => ctx.openHelp({ reason: 'button' }) }),
          exitOrSignOut(),
          menuToggle(t, panel),
          panel)),
      h('p', { id: 'net-status', class: 'net-status', role: 'status', hidden: true })].filter(Boolean));
    doc.getElementById('skip').textContent = t('header.skip');
    markNav();
    refocus(header, focusKey);
    // A redraw (language switch) keeps what the header was showing.
    showNetStatus(ctx.online !== false);
    drawBadges();
  }

  function showNetStatus(online, error = ctx.netError) {
    ctx.online = online;
    ctx.netError = online ? null : error || null;
    const el = doc.getElementById('net-status');
    if (!el) return;
    el.hidden = online;
    // Back online but refused because this name is open in too many tabs: say what to do.
    el.textContent = online ? '' : t(ctx.netError === 'too_many_connections'
      ? 'error.too_many_connections' : 'header.reconnecting');
  }

  function markNav() {
    const current = ctx.router.current && ctx.router.current.name;
    for (const b of doc.querySelectorAll('.navlink')) {
      if (b.dataset.view === current) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
  }

  async function loadE2ee() {
    // Until the engine is ready (or if it cannot start) the send path refuses with "encryption
    // not ready" and nothing is sent.
    try {
      const mod = await import('./e2ee/index.js');
      if (typeof mod.createE2ee === 'function') {
        ctx.e2ee = await mod.createE2ee(ctx);
        messaging.install(ctx.e2ee);
      }
    } catch (err) {
      messaging.install(null);
    }
  }

  async function start() {
    setLanguage(detectLanguage(), false);
    restoreTheme();
    installViewportHeight();
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
    if (entry !== 'staff') installQuickExitKey(leaveNow);
    session.on('status', ({ online, error }) => showNetStatus(online, error));
    loadDetector();
    // Another tab in use (or this one just stepped back for it): say so before this one touches
    // the keys or the connection.
    const stepped = steppedBack(doc.defaultView);
    if (stepped || await tabs.otherTabActive()) {
      ctx.router.show('elsewhere', { stepped }, { focus: false });
      // Opened while another tab was in use: when that one is closed, carry on here by itself
      // (a tab that stepped back waits for "use here": the person moved on purpose).
      if (!stepped) lockFreed().then(() => doc.defaultView.location.reload());
      return;
    }
    tabs.activate();
    watchTimeAway();
    // The device lock: nothing of the person (name, days, messages) is drawn before it opens.
    if (isLocked()) {
      lockNow(); // time away counts as locked until the secret is given
      ctx.router.show('lock', { onUnlock: () => proceed() }, { focus: false });
      return;
    }
    await proceed();
  }

  /** Time away (js/lock.js): every use of the page counts as "here"; back after longer than
   * the lock's minutes, the page starts again behind the lock (a reload: nothing is left drawn). */
  function watchTimeAway() {
    const win = doc.defaultView;
    let last = 0;
    const here = (ev) => {
      const now = Date.now();
      if (ev && now - last < 5000) return;
      last = now;
      touch(now); // no-op while locked
    };
    for (const type of ['pointerdown', 'keydown']) win.addEventListener(type, here, true);
    const check = () => {
      if (ctx.router.current && ctx.router.current.name === 'lock') return;
      if (isLocked()) {
        lockNow();
        win.location.reload();
      }
    };
    doc.addEventListener('visibilitychange', () => {
      if (doc.visibilityState === 'visible') check();
      else here(null);
    });
    win.setInterval(check, 30000);
  }

  async function proceed() {
    touch();
    history.prune().catch(() => {});
    loadE2ee();
    const id = await session.loadIdentity();
    if ((id && id.pseudonym) || entry === 'staff') {
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

  /** After a sign-in: a staff role loads its console (js/staff/, dynamic import only). */
  async function loadStaff() {
    const role = session.auth && session.auth.role;
    if (!STAFF_ROLES.includes(role) || ctx.staff) return;
    try {
      const mod = await import('./staff/index.js');
      ctx.staff = await mod.mountStaff(ctx);
    } catch (err) {
      ctx.staff = null; // the peer views go on working without it
    }
  }
  session.on('signedin', () => { loadStaff(); });

  return { ctx, start };
}
