/** Welcome: choose a pseudonym or let one be picked; restore from a backup instead. */

import { h, field } from '../dom.js';

const KNOWN_ERRORS = ['pseudonym_taken', 'pseudonym_reserved', 'pseudonym_invalid',
  'rate_limited', 'offline', 'timeout', 'disconnected', 'too_many_connections',
  'pseudonym_unavailable', 'bad_proof_of_work'];

export default {
  name: 'welcome',
  title: (t) => t('welcome.title'),
  render(ctx) {
    const { t } = ctx;
    const limits = { min: 3, max: 24 };
    const name = field(t('welcome.pseudonym_label'), {
      autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
      minlength: limits.min, maxlength: limits.max, name: 'pseudonym',
    }, t('welcome.pseudonym_hint', limits));
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const busy = (on) => {
      for (const b of form.querySelectorAll('button')) b.disabled = on;
    };
    const go = async (pseudonym) => {
      error.hidden = true;
      busy(true);
      try {
        await ctx.session.signIn(pseudonym || undefined);
        ctx.afterSignIn();
      } catch (err) {
        const code = err && err.code;
        error.textContent = t(KNOWN_ERRORS.includes(code) ? `error.${code}` : 'error.generic');
        error.hidden = false;
        name.input.focus();
      } finally {
        busy(false);
      }
    };
    const form = h('form', {
      class: 'card stack',
      onsubmit: (ev) => {
        ev.preventDefault();
        const value = name.input.value.trim();
        if (!value) {
          error.textContent = t('welcome.empty');
          error.hidden = false;
          name.input.focus();
          return;
        }
        go(value);
      },
    },
    name.wrap,
    error,
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary', text: t('welcome.continue') }),
      h('button', { type: 'button', class: 'secondary', text: t('welcome.generate'),
        onclick: () => go(null) })));

    return h('section', { class: 'view welcome' },
      h('h1', { text: t('welcome.title') }),
      h('p', { class: 'lead', text: t('welcome.lead') }),
      h('ul', { class: 'promises' },
        h('li', { text: t('welcome.promise_anonymous') }),
        h('li', { text: t('welcome.promise_e2ee') }),
        h('li', { text: t('welcome.promise_device') })),
      form,
      h('p', {},
        h('button', { type: 'button', class: 'link', text: t('welcome.restore'),
          onclick: () => ctx.router.show('identity', { restore: true }) })));
  },
};
