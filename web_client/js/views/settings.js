/**
 * Settings on this device: alerts for new messages (a sound, a browser notification without
 * content, both off by default) and the device lock (PIN or passphrase, and after how long away).
 */

import { field, h } from '../dom.js';
import { alertSettings, askNotificationPermission, saveAlertSettings } from '../unread.js';
import { LOCK_DEFAULT_MINUTES, LOCK_MINUTES, lockConfig, MIN_SECRET_CHARS, removeLock, secretProblem,
  setLock, setLockMinutes } from '../lock.js';

function toggle(id, label, checked, onchange) {
  return h('div', { class: 'choice' },
    h('input', { type: 'checkbox', id, checked, onchange }),
    h('label', { for: id, text: label }));
}

function alertsSection(ctx) {
  const { t } = ctx;
  const note = h('p', { class: 'muted small', role: 'status' });
  const current = alertSettings();
  return h('section', { class: 'card stack', 'aria-labelledby': 'alerts-title' },
    h('h2', { id: 'alerts-title', text: t('settings.alerts_title') }),
    toggle('alert-sound', t('settings.sound'), current.sound,
      (ev) => saveAlertSettings({ sound: ev.target.checked })),
    toggle('alert-notify', t('settings.notify'), current.notify, async (ev) => {
      const box = ev.target;
      note.textContent = '';
      if (!box.checked) {
        saveAlertSettings({ notify: false });
        return;
      }
      const granted = await askNotificationPermission();
      box.checked = granted;
      saveAlertSettings({ notify: granted });
      if (!granted) note.textContent = t('settings.notify_denied');
    }),
    h('p', { class: 'hint', text: t('settings.notify_hint') }),
    note);
}

function minutesSelect(ctx, value, onchange) {
  const { t } = ctx;
  return h('div', { class: 'field' },
    h('label', { for: 'lock-minutes', text: t('settings.lock_after') }),
    h('select', { id: 'lock-minutes', onchange },
      ...LOCK_MINUTES.map((m) => h('option', { value: String(m), selected: m === value,
        text: t('settings.minutes', { n: m }) }))));
}

function lockSection(ctx, redraw) {
  const { t } = ctx;
  const config = lockConfig();
  const status = h('p', { class: 'small', role: 'status' });
  const first = field(t('settings.lock_secret'), { type: 'password', name: 'new-lock-secret', autocomplete: 'new-password' },
    t('settings.lock_secret_hint', { n: MIN_SECRET_CHARS }));
  const again = field(t('settings.lock_again'), { type: 'password', name: 'new-lock-again', autocomplete: 'new-password' });
  let minutes = config ? config.minutes : LOCK_DEFAULT_MINUTES;
  const save = async (ev) => {
    ev.preventDefault();
    const problem = secretProblem(first.input.value);
    if (problem) {
      status.textContent = t(`settings.lock_${problem}`, { n: MIN_SECRET_CHARS });
      return;
    }
    if (first.input.value !== again.input.value) {
      status.textContent = t('identity.mismatch');
      return;
    }
    status.textContent = t('identity.working');
    await setLock(first.input.value, minutes);
    first.input.value = '';
    again.input.value = '';
    redraw(t('settings.lock_saved', { n: minutes }));
  };
  return h('section', { class: 'card stack', 'aria-labelledby': 'lock-title' },
    h('h2', { id: 'lock-title', text: t('settings.lock_title') }),
    h('p', { text: config ? t('settings.lock_on', { n: config.minutes }) : t('settings.lock_lead') }),
    minutesSelect(ctx, minutes, (ev) => {
      minutes = Number(ev.target.value);
      if (config) {
        setLockMinutes(minutes);
        status.textContent = t('settings.lock_on', { n: minutes });
      }
    }),
    h('form', { class: 'stack', onsubmit: save }, first.wrap, again.wrap,
      h('button', { type: 'submit', class: 'primary', text: t(config ? 'settings.lock_change' : 'settings.lock_set') })),
    config ? h('button', { type: 'button', class: 'secondary', text: t('settings.lock_remove'),
      onclick: () => { removeLock(); redraw(t('settings.lock_removed')); } }) : null,
    h('p', { class: 'hint', text: t('settings.lock_note') }),
    status);
}

export default {
  name: 'settings',
  title: (t) => t('settings.title'),
  render(ctx) {
    const { t } = ctx;
    const lockBox = h('div', { class: 'stack' });
    const drawLock = (said = '') => {
      const section = lockSection(ctx, drawLock);
      lockBox.replaceChildren(section);
      if (said) section.querySelector('[role=status]').textContent = said;
    };
    drawLock();
    return h('section', { class: 'view settings' },
      h('h1', { text: t('settings.title') }),
      alertsSection(ctx),
      lockBox);
  },
};
