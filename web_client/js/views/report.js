/**
 * Report a message to the moderators. The franking data (commitment, relay stamp, and the
 * opening the e2ee port returns) travels with every displayed message, so the report can prove
 * what was said without the server ever reading the chat: the e2ee port seals it to each
 * moderator who can read reports of the room (js/e2ee/reports.js). When nobody can, the dialog
 * says so and offers muting.
 */

import { h } from '../dom.js';
import { toggleInList } from '../local.js';

export const REPORT_REASONS = ['harassment', 'personal_data', 'selling', 'crisis', 'other'];

export function openReport(ctx, message) {
  const { t } = ctx;
  const status = h('p', { role: 'status', class: 'muted' });
  const name = 'report-reason';
  const radios = REPORT_REASONS.map((r, i) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name, value: r, checked: i === 0 }), ` ${t(`report.${r}`)}`));
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'report-title' });
  const close = () => { dialog.close(); dialog.remove(); };
  const submit = async (ev) => {
    ev.preventDefault();
    const reason = dialog.querySelector(`input[name="${name}"]:checked`).value;
    try {
      await ctx.messaging.reportMessage(message, reason);
      status.textContent = t('report.sent');
    } catch (err) {
      status.textContent = t(err && err.code === 'no_moderators' ? 'report.no_moderators' : 'report.not_ready');
    }
  };
  dialog.append(h('form', { class: 'stack', onsubmit: submit },
    h('div', { class: 'dialog-head' },
      h('h2', { id: 'report-title', text: t('report.title', { name: message.sender }) }),
      ctx.quickExitButton ? ctx.quickExitButton() : null),
    h('p', { text: t('report.lead') }),
    h('fieldset', {}, h('legend', { text: t('report.reason') }), ...radios),
    status,
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary', text: t('report.send') }),
      h('button', { type: 'button', class: 'secondary', text: t('chat.mute'),
        onclick: () => { toggleInList('muted', message.sender, true); status.textContent = t('report.muted', { name: message.sender }); } }),
      h('button', { type: 'button', class: 'link', text: t('common.close'), onclick: close }))));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  // The report itself comes first (Enter right after opening must not leave the site); the
  // quick exit stays at the dialog's corner, one Shift+Tab or one tap away.
  dialog.querySelector(`input[name="${name}"]:checked`).focus();
}
