/**
 * The person's way to a counsellor, wired by app.js: the request state (case.js), the 'case'
 * view (view.js) and its strings. `ctx.escalation` is the hook the help panel and the header's
 * button use; the detector's offer (level 3, and again at level 4) passes its level.
 */

import { addStrings } from '../i18n.js';
import { PeerCase } from './case.js';
import { CASE_STRINGS } from './strings.js';
import caseView from './view.js';

export function mountCases(ctx) {
  addStrings(CASE_STRINGS);
  const peerCase = new PeerCase(ctx.session, ctx.directs);
  const cases = {
    peerCase,
    /** Show the view and ask (once: an open case is answered as it is). */
    async ask({ level = null, source = 'self' } = {}) {
      ctx.router.show('case');
      try {
        await peerCase.request({ level, source });
      } catch (err) {
        ctx.live(ctx.t('case.request_failed'));
      }
    },
  };
  ctx.cases = cases;
  ctx.escalation = {
    available: () => true,
    request: (opts = {}) => cases.ask(opts),
  };
  ctx.router.register(caseView);
  // A reload (or a new sign-in) with a case still on the device returns to it, once per page.
  let returned = false;
  peerCase.addEventListener('resumed', () => {
    if (returned || !peerCase.status) return;
    returned = true;
    const current = ctx.router.current && ctx.router.current.name;
    if (current !== 'case') ctx.router.show('case');
  });
  return cases;
}
