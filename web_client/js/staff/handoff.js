/**
 * The moderator's hand-off of a group member to a counsellor (docs/protocol.md, `case.escalate`):
 * a reason (a category) and a level, then the person is asked on their own page and nobody is
 * moved without their consent. What became of it (`case.handoff`: requested, declined, expired)
 * is announced to the moderator; the group carries on in the meantime.
 */

import { focusReturn, h, uid } from '../dom.js';
import { roomHeading } from './actionform.js';
import { errorText } from './strings.js';

export const HANDOFF_REASONS = Object.freeze(['suicide', 'overdose', 'self_harm', 'distress', 'relapse', 'violence']);
export const HANDOFF_LEVELS = Object.freeze([3, 4]);
export const HANDOFF_STATES = Object.freeze(['requested', 'declined', 'expired']);

/** Announce each `case.handoff` to the moderator; returns the unsubscribe. */
export function watchHandoffs(ctx) {
  return ctx.session.on('case.handoff', (p) => {
    if (!p || !HANDOFF_STATES.includes(p.state)) return;
    ctx.live(ctx.t(`staff.handoff.state.${p.state}`));
  });
}

/** The dialog for `target` = {room, pseudonym}. */
export function openHandoff(ctx, target) {
  const { t } = ctx;
  const titleId = uid('handoff');
  const reasonId = uid('hreason');
  const levelId = uid('hlevel');
  const status = h('p', { class: 'error', role: 'alert', hidden: true });
  const reason = h('select', { id: reasonId, name: 'reason' },
    ...HANDOFF_REASONS.map((c) => h('option', { value: c, text: t(`staff.category.${c}`) })));
  const level = h('select', { id: levelId, name: 'level' },
    ...HANDOFF_LEVELS.map((n) => h('option', { value: String(n), text: t('staff.handoff.level', { n }) })));
  const dialog = h('dialog', { class: 'dialog staff-action staff-handoff', 'aria-labelledby': titleId });
  const back = focusReturn(roomHeading(target.room));
  const close = () => dialog.close(); // Escape closes it too; either way the 'close' below runs
  const submit = h('button', { type: 'submit', class: 'primary', text: t('staff.handoff.do') });
  const form = h('form', { class: 'stack', onsubmit: async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      await ctx.session.request('case.escalate', { room: target.room, pseudonym: target.pseudonym,
        reason: reason.value, level: Number(level.value) });
      close();
      ctx.live(t('staff.handoff.asked', { name: target.pseudonym }));
    } catch (err) {
      submit.disabled = false;
      status.textContent = errorText(t, err && err.code);
      status.hidden = false;
    }
  } },
  h('h2', { id: titleId, text: t('staff.handoff.title', { name: target.pseudonym }) }),
  h('p', { class: 'muted', text: t('staff.handoff.lead') }),
  h('div', { class: 'field' }, h('label', { for: reasonId, text: t('staff.handoff.reason') }), reason),
  h('div', { class: 'field' }, h('label', { for: levelId, text: t('staff.handoff.level_label') }), level),
  status,
  h('div', { class: 'row' }, submit,
    h('button', { type: 'button', class: 'secondary', text: t('common.close'), onclick: close })));
  dialog.append(form);
  dialog.addEventListener('close', () => { dialog.remove(); back(); });
  document.body.append(dialog);
  dialog.showModal();
  reason.focus();
  return dialog;
}
