/** The group's rules, read and accepted before joining (every night: it is a new room). */

import { h } from '../dom.js';

export const RULE_KEYS = ['rules.confidential', 'rules.kind', 'rules.no_methods', 'rules.no_personal',
  'rules.no_selling', 'rules.help', 'rules.moderators'];

export default {
  name: 'rules',
  title: (t) => t('rules.title'),
  render(ctx, { group }) {
    const { t } = ctx;
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const accept = async () => {
      button.disabled = true;
      error.hidden = true;
      const result = await ctx.enterGroup(group);
      if (result && !result.error) ctx.history.rememberRules(group);
      if (result && result.error) {
        error.textContent = t(`error.${result.error}`) === `error.${result.error}`
          ? t('error.generic') : t(`error.${result.error}`);
        error.hidden = false;
        button.disabled = false;
      }
    };
    const button = h('button', { type: 'button', class: 'primary', text: t('rules.accept'),
      onclick: accept });
    const extra = Array.isArray(group.rules) ? group.rules : [];
    return h('section', { class: 'view rules' },
      h('h1', { text: t('rules.title') }),
      h('p', { class: 'lead', text: t('rules.lead', { name: group.name }) }),
      h('ol', { class: 'rules-list' },
        ...RULE_KEYS.map((k) => h('li', { text: t(k) })),
        ...extra.map((r) => h('li', { text: String(r) }))),
      error,
      h('div', { class: 'row' },
        button,
        h('button', { type: 'button', class: 'secondary', text: t('common.back'),
          onclick: () => ctx.router.show('groups') })));
  },
};
