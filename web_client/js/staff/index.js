/**
 * The staff console (moderators; counsellors and admins get theirs beside it). app.js loads this
 * module with a dynamic import only after a sign-in with a staff role, so a peer's browser never
 * downloads anything under js/staff/ (tests/web_client/test_staff_loading.py).
 *
 * mountStaff makes the moderator's desk (desk.js: flags, alerts, reports, sanctions, duty),
 * registers the console view and its navigation, and on the staff page (staff.html) shows it.
 */

import { consoleStart, logout } from './api.js';
import consoleView from './console.js';
import { Desk } from './desk.js';
import { watchHandoffs } from './handoff.js';
import { notifyAlert, playAlertTone } from './attention.js';
import { installStaffStrings } from './strings.js';
import { COUNSELLOR_ROLES, mountCounsellor } from './counsellor/index.js';

export const CONSOLE_ROLES = Object.freeze(['moderator', 'admin']);

/** Called once per page after a staff sign-in; returns the staff console. */
export async function mountStaff(ctx) {
  installStaffStrings();
  const role = ctx.session.auth && ctx.session.auth.role;
  const staff = { role, views: [], desk: null };
  staff.signOut = async () => {
    // Off duty first: the roster is durable, and alerts must not go on to a console nobody has.
    if (staff.desk && staff.desk.onDuty) await staff.desk.setDuty(false).catch(() => {});
    await logout();
    ctx.session.close();
    globalThis.location.assign('/staff.html');
  };
  if (role === 'counsellor') {
    // A counsellor's console is the case desk alone (admins get it beside the moderator's).
    ctx.staff = staff;
    mountCounsellor(ctx, staff);
    ctx.setNav(role, [['counsel', 'nav.counsel'], ['identity', 'nav.identity']]);
    if (ctx.entry === 'staff') {
      ctx.home = 'counsel';
      ctx.router.show('counsel');
    }
    return staff;
  }
  if (!CONSOLE_ROLES.includes(role)) return staff;
  const start = await consoleStart();
  staff.desk = new Desk(ctx, start.body.ok ? start.body : {});
  watchHandoffs(ctx);
  staff.desk.on('alert', (a) => {
    playAlertTone();
    notifyAlert(ctx.t);
    ctx.live(ctx.t('staff.alert.new', { level: a.severity }));
  });
  ctx.staff = staff;
  ctx.router.register(consoleView);
  staff.views.push('console');
  const nav = [['console', 'nav.console'], ['groups', 'nav.groups'], ['identity', 'nav.identity']];
  if (COUNSELLOR_ROLES.includes(role)) {
    mountCounsellor(ctx, staff);
    nav.splice(1, 0, ['counsel', 'nav.counsel']);
  }
  ctx.setNav(role, nav);
  if (ctx.entry === 'staff') {
    ctx.home = 'console';
    ctx.router.show('console');
  }
  return staff;
}
