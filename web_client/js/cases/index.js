/**
 * The person's way to a counsellor, wired by app.js: the request state (case.js), the 'case'
 * view (view.js) and its strings. `ctx.escalation` is the hook the help panel and the header's
 * button use; the detector's offer (level 3, and again at level 4) passes its level.
 */

import { h, uid } from '../dom.js';
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
  peerCase.addEventListener('invite', () => inviteDialog(ctx, cases));
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

const MAX_PICK = 5; // own messages offered to share: the latest ones of that room

/** A moderator's hand-off, asked where the person is (an alert dialog, focus on "yes"). Only
 * "yes" opens the request; "no" or closing the dialog declines; the group view stays as it was. */
export function inviteDialog(ctx, cases) {
  const { t } = ctx;
  const pc = cases.peerCase;
  const old = document.querySelector('dialog.case-invite');
  if (old) old.remove();
  const titleId = uid('invite');
  const leadId = uid('invite-lead');
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const dialog = h('dialog', { class: 'dialog case-invite', role: 'alertdialog',
    'aria-labelledby': titleId, 'aria-describedby': leadId });
  // The person may share some of their own messages of that room (never anyone else's): they
  // go end to end to the counsellor who takes the case, once they arrive (case.js).
  const room = ctx.rooms && pc.invite ? ctx.rooms.get(pc.invite.room) : null;
  const mine = room ? room.messages.filter((m) => m.mine && typeof m.text === 'string' && m.text).slice(-MAX_PICK) : [];
  const picks = mine.map((m) => {
    const id = uid('invite-share');
    return { box: h('input', { type: 'checkbox', id, class: 'share-pick' }), id, text: m.text };
  });
  const pickList = picks.length ? h('fieldset', { class: 'case-share-pick' },
    h('legend', { text: t('case.invite_share') }),
    h('p', { class: 'muted small', text: t('case.invite_share_note') }),
    h('ul', { class: 'plain stack' }, ...picks.map((p) => h('li', { class: 'row' }, p.box,
      h('label', { for: p.id, dir: 'auto', text: p.text }))))) : null;
  let answered = false;
  const answer = async (accept) => {
    if (answered) return;
    answered = true;
    try {
      await pc.consent(accept, accept ? picks.filter((p) => p.box.checked).map((p) => p.text) : []);
      dialog.close();
      if (accept) ctx.router.show('case');
      else ctx.live(t('case.invite_declined'));
    } catch (err) {
      answered = false;
      error.textContent = t('case.request_failed');
      error.hidden = false;
    }
  };
  const yes = h('button', { type: 'button', class: 'primary', 'data-answer': 'accept', text: t('case.invite_accept'),
    onclick: () => answer(true) });
  dialog.append(h('div', { class: 'stack' },
    h('h2', { id: titleId, text: t('case.invite_title') }),
    h('p', { id: leadId, text: t('case.invite_lead') }),
    h('p', { class: 'muted small', text: t('case.private') }),
    pickList,
    error,
    h('div', { class: 'row' }, yes,
      h('button', { type: 'button', class: 'secondary', 'data-answer': 'decline', text: t('case.invite_decline'),
        onclick: () => answer(false) }))));
  dialog.addEventListener('cancel', (ev) => { ev.preventDefault(); answer(false); });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  yes.focus();
  return dialog;
}
