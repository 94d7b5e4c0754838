/**
 * One-click actions with a reason: the form that goes with each action button. The reason is a
 * code from the list the relay serves (config/moderation.toml [reasons], shown in the console's
 * language) or the moderator's own words (shown to the person; at most 280 characters).
 */

import { field, focusReturn, h, uid } from '../dom.js';
import { formatDay, formatTime } from '../i18n.js';
import { errorText } from './strings.js';

export const REASON_TEXT_MAX = 280;
export const DURATIONS = Object.freeze({
  mute: { name: 'minutes', values: [5, 15, 30, 60, 120, 240], initial: 15 },
  ban: { name: 'days', values: [1, 3, 7, 14, 30], initial: 7 },
  slow_mode: { name: 'seconds', values: [10, 30, 60, 120, 300], initial: 30 },
});
const WITH_REASON = ['mute', 'remove', 'ban', 'read_only', 'delete_message', 'slow_mode', 'lock'];
const OTHER = '__other';

function durationLabel(t, unit, n) {
  return t(`staff.unit.${unit}`, { n });
}

/**
 * A dialog asking for what the action needs, then calling `submit(fields)`, which resolves or
 * rejects {code}. `target` is {room, pseudonym?, message_id?}.
 */
export function openAction(ctx, desk, kind, target) {
  const { t } = ctx;
  const lang = ctx.lang();
  const titleId = uid('act');
  const status = h('p', { class: 'error', role: 'alert', hidden: true });
  const dur = DURATIONS[kind];
  let durSelect = null;
  const durField = dur ? (() => {
    const id = uid('dur');
    durSelect = h('select', { id, name: dur.name },
      ...dur.values.map((v) => h('option', { value: v, selected: v === dur.initial,
        text: durationLabel(t, dur.name, v) })));
    return h('div', { class: 'field' }, h('label', { for: id, text: t(`staff.action.${dur.name}`) }),
      durSelect);
  })() : null;
  let reasonSelect = null;
  let reasonText = null;
  let reasonBox = null;
  if (WITH_REASON.includes(kind)) {
    const id = uid('reason');
    const codes = Object.keys(desk.reasons);
    reasonSelect = h('select', { id, name: 'reason' },
      ...codes.map((c) => h('option', { value: c,
        text: (desk.reasons[c] && (desk.reasons[c][lang] || desk.reasons[c].en)) || c })),
      h('option', { value: OTHER, text: t('staff.action.reason_other') }));
    reasonText = field(t('staff.action.reason_text'), { name: 'reason_text', maxlength: REASON_TEXT_MAX,
      multiline: true, rows: 2 }, t('staff.action.reason_text_hint'));
    reasonText.wrap.hidden = codes.length > 0;
    if (!codes.length) reasonSelect.value = OTHER;
    reasonSelect.addEventListener('change', () => {
      reasonText.wrap.hidden = reasonSelect.value !== OTHER;
    });
    reasonBox = h('div', { class: 'stack' },
      h('div', { class: 'field' }, h('label', { for: id, text: t('staff.action.reason') }), reasonSelect),
      reasonText.wrap);
  }
  const appeal = kind === 'ban' ? field(t('staff.action.appeal'), { name: 'appeal_note',
    maxlength: REASON_TEXT_MAX }, t('staff.action.appeal_hint')) : null;
  const dialog = h('dialog', { class: 'dialog staff-action', 'aria-labelledby': titleId });
  const back = focusReturn(roomHeading(target.room));
  const close = () => dialog.close(); // Escape closes it too; either way the 'close' below runs
  const submitButton = h('button', { type: 'submit', class: kind === 'slow_mode' ? 'primary' : 'danger',
    text: t(`staff.action.do.${kind}`) });
  const form = h('form', { class: 'stack', onsubmit: async (ev) => {
    ev.preventDefault();
    const fields = { kind, room: target.room };
    if (target.pseudonym) fields.pseudonym = target.pseudonym;
    if (target.message_id !== undefined) fields.message_id = String(target.message_id);
    if (dur) fields[dur.name] = Number(durSelect.value);
    if (reasonSelect) {
      if (reasonSelect.value === OTHER) {
        const words = reasonText.input.value.trim();
        if (!words) {
          status.textContent = t('staff.action.reason_missing');
          status.hidden = false;
          reasonText.input.focus();
          return;
        }
        fields.reason_text = words;
      } else fields.reason_code = reasonSelect.value;
    }
    if (appeal && appeal.input.value.trim()) fields.appeal_note = appeal.input.value.trim();
    submitButton.disabled = true;
    try {
      const s = await desk.sanction(fields);
      close();
      ctx.live(t(`staff.action.done.${kind}`, { name: target.pseudonym || '', until: untilText(ctx, s) }));
    } catch (err) {
      submitButton.disabled = false;
      status.textContent = errorText(t, err && err.code);
      status.hidden = false;
    }
  } },
  h('h2', { id: titleId, text: t(`staff.action.title.${kind}`, { name: target.pseudonym || '' }) }),
  target.excerpt ? h('blockquote', { class: 'excerpt', dir: 'auto', text: target.excerpt }) : null,
  durField, reasonBox, appeal ? appeal.wrap : null, status,
  h('div', { class: 'row' }, submitButton,
    h('button', { type: 'button', class: 'secondary', text: t('common.close'), onclick: close })));
  dialog.append(form);
  dialog.addEventListener('close', () => { dialog.remove(); back(); });
  document.body.append(dialog);
  dialog.showModal();
  (durSelect || reasonSelect || submitButton).focus();
  return dialog;
}

/** The heading of a room's panel in the console (where the focus goes when its control is gone). */
export function roomHeading(room) {
  return `.room-panel[data-room="${CSS.escape(String(room))}"] h2`;
}

/** "until 21:45", "for the rest of the night", or "permanently", in the console's language. */
export function untilText(ctx, s) {
  if (!s) return '';
  if (s.end === null || s.end === undefined) return ctx.t('staff.sanction.permanent');
  const end = new Date(s.end * 1000);
  const sameDay = new Date().toDateString() === end.toDateString();
  const time = sameDay ? formatTime(end) : `${formatDay(end)} ${formatTime(end)}`;
  return ctx.t('staff.sanction.until', { time });
}
