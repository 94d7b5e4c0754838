/**
 * The place for staff code (moderator, counsellor and admin consoles). app.js loads this module
 * with a dynamic import only after a sign-in with a staff role, so a peer's browser never
 * downloads anything under js/staff/.
 *
 * NOT A FEATURE YET: there is no staff console. mountStaff() registers nothing and shows
 * nothing; the moderation and escalation work adds its views here.
 */

/** Called once per page after a staff sign-in; returns the (for now empty) staff console. */
export async function mountStaff(ctx) {
  return { role: ctx.session.auth && ctx.session.auth.role, views: [] };
}
