/**
 * The counsellor console, loaded by js/staff/index.js for counsellor and admin roles only: the
 * desk (desk.js) and the 'counsel' view (view.js), with their strings.
 */

import { addStrings } from '../../i18n.js';
import { CounsellorDesk } from './desk.js';
import { COUNSEL_STRINGS } from './strings.js';
import counselView from './view.js';

export const COUNSELLOR_ROLES = Object.freeze(['counsellor', 'admin']);

export function mountCounsellor(ctx, staff) {
  addStrings(COUNSEL_STRINGS);
  ctx.counsellor = new CounsellorDesk(ctx);
  ctx.router.register(counselView);
  staff.views.push('counsel');
  return ctx.counsellor;
}
