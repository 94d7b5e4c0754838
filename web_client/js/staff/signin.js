/**
 * The staff sign-in: name and password, then the authenticator's 6-digit code. At the first
 * sign-in the server answers `totp_enrol` with the `otpauth://` URI and its QR code (an SVG data
 * URI drawn by the server; the CSP allows img-src data:): the person adds the account to an
 * authenticator app and signs in with its first code, which enrols it.
 */

import { field, h } from '../dom.js';
import { login } from './api.js';

const KNOWN = ['login_failed', 'login_backoff', 'login_locked', 'rate_limited', 'offline',
  'totp_required', 'bad_origin', 'session_expired'];

/** Draw the sign-in into `main`; resolves once signed in (the cookie is set). */
export function showSignIn(main, t, { reason = null } = {}) {
  return new Promise((resolve) => {
    let step = 'password'; // then 'code' (enrolled) or 'enrol' (first sign-in)
    let enrol = null;
    const name = field(t('staff.signin.username'), { name: 'username', autocomplete: 'username',
      autocapitalize: 'off', spellcheck: 'false', required: true });
    const password = field(t('staff.signin.password'), { name: 'password', type: 'password',
      autocomplete: 'current-password', required: true });
    const code = field(t('staff.signin.code'), { name: 'totp', inputmode: 'numeric',
      autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6 }, t('staff.signin.code_hint'));
    const error = h('p', { class: 'error', role: 'alert', hidden: reason === null,
      text: reason ? t(`staff.error.${reason}`) : '' });
    const enrolBox = h('div', { class: 'enrol stack', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary', text: t('staff.signin.submit') });

    const draw = () => {
      code.wrap.hidden = step === 'password';
      enrolBox.hidden = step !== 'enrol';
      if (step === 'enrol' && enrol) {
        enrolBox.replaceChildren(
          h('h2', { text: t('staff.enrol.title') }),
          h('p', { text: t('staff.enrol.lead') }),
          h('img', { class: 'qr', src: enrol.qr, width: 220, height: 220,
            alt: t('staff.enrol.qr_alt') }),
          h('details', {}, h('summary', { text: t('staff.enrol.manual') }),
            h('code', { class: 'otpauth', text: enrol.uri })));
      }
    };
    const fail = (codeName) => {
      error.textContent = t(`staff.error.${KNOWN.includes(codeName) ? codeName : 'generic'}`);
      error.hidden = false;
    };
    const form = h('form', { class: 'card stack staff-signin', onsubmit: async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      const totp = step === 'password' ? undefined : code.input.value.trim();
      const reply = await login(name.input.value.trim(), password.input.value, totp);
      submit.disabled = false;
      if (reply.body.ok) {
        password.input.value = '';
        resolve(reply.body);
        return;
      }
      const err = reply.body.error;
      if (err === 'totp_enrol' && step !== 'enrol') {
        step = 'enrol';
        enrol = { uri: reply.body.totp_uri, qr: reply.body.totp_qr };
        draw();
        code.input.focus();
        return;
      }
      if (err === 'totp_required' && step === 'password') {
        step = 'code';
        draw();
        code.input.focus();
        return;
      }
      fail(err === 'totp_enrol' || err === 'totp_required' ? 'login_failed' : err);
      (step === 'password' ? password : code).input.focus();
    } }, name.wrap, password.wrap, enrolBox, code.wrap, error, h('div', { class: 'row' }, submit));
    draw();
    main.replaceChildren(h('section', { class: 'view staff-signin-view' },
      h('h1', { text: t('staff.signin.title'), tabIndex: -1 }),
      h('p', { class: 'lead', text: t('staff.signin.lead') }),
      form,
      h('p', {}, h('a', { href: '/', text: t('staff.signin.peer_link') }))));
    name.input.focus();
  });
}
