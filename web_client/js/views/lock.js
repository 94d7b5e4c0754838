/**
 * The lock screen (js/lock.js): shown instead of everything else while the device lock is on.
 * It shows nothing of the person (no name, no day counter, no messages, nothing in the title);
 * help and the quick exit stay in the header. A forgotten PIN: "forget this device".
 */

import { field, h } from '../dom.js';
import { tryUnlock, waitLeft } from '../lock.js';

export default {
  name: 'lock',
  title: (t) => t('lock.title'),
  render(ctx, { onUnlock }) {
    const { t } = ctx;
    const secret = field(t('lock.secret'), { type: 'password', name: 'lock-secret', autocomplete: 'off',
      required: true, maxlength: 256 });
    const status = h('p', { class: 'error', role: 'alert', hidden: true });
    const button = h('button', { type: 'submit', class: 'primary', text: t('lock.unlock') });
    let timer = null;
    const say = (text) => { status.textContent = text; status.hidden = !text; };
    const holdFor = (ms) => {
      clearTimeout(timer);
      if (ms <= 0) return;
      button.disabled = true;
      timer = setTimeout(() => { button.disabled = false; say(''); }, ms);
    };
    const submit = async (ev) => {
      ev.preventDefault();
      if (!secret.input.value) return;
      button.disabled = true;
      const out = await tryUnlock(secret.input.value);
      button.disabled = false;
      secret.input.value = '';
      if (out.ok) {
        onUnlock();
        return;
      }
      const seconds = Math.ceil(out.wait / 1000);
      say(out.early ? t('lock.wait', { n: seconds })
        : seconds ? `${t('lock.wrong')} ${t('lock.wait', { n: seconds })}` : t('lock.wrong'));
      holdFor(out.wait);
      secret.input.focus();
    };
    holdFor(waitLeft());
    if (waitLeft()) say(t('lock.wait', { n: Math.ceil(waitLeft() / 1000) }));

    const forgetBox = h('div', { class: 'stack' });
    const forgetIdle = () => forgetBox.replaceChildren(
      h('p', { text: t('lock.forgot_lead') }),
      h('button', { type: 'button', class: 'secondary', text: t('identity.forget'), onclick: forgetAsk }));
    const forgetAsk = () => {
      forgetBox.replaceChildren(
        h('p', { text: t('lock.forget_confirm') }),
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'danger', 'data-focus-key': 'forget-yes', text: t('identity.forget'),
            onclick: async () => {
              await ctx.forgetDevice(null);
              globalThis.location.reload();
            } }),
          h('button', { type: 'button', class: 'secondary', text: t('lock.forget_keep'),
            onclick: () => { forgetIdle(); secret.input.focus(); } })));
      forgetBox.querySelector('[data-focus-key=forget-yes]').focus();
    };
    forgetIdle();
    const node = h('section', { class: 'view lock' },
      h('h1', { text: t('lock.heading') }),
      h('p', { text: t('lock.lead') }),
      h('form', { class: 'stack', onsubmit: submit }, secret.wrap, status, button),
      h('details', { class: 'card' }, h('summary', { text: t('lock.forgot') }), forgetBox));
    return { node, dispose: () => clearTimeout(timer) };
  },
};
