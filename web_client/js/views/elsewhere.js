/** The chat is open in another tab of this browser: say so plainly, and offer "use here". */

import { h } from '../dom.js';

export default {
  name: 'elsewhere',
  title: (t) => t('tabs.title'),
  render(ctx, { stepped = false } = {}) {
    const { t } = ctx;
    return h('section', { class: 'view elsewhere' },
      h('h1', { text: t('tabs.title') }),
      h('p', { class: 'lead', text: t(stepped ? 'tabs.moved' : 'tabs.lead') }),
      h('p', { class: 'muted', text: t('tabs.why') }),
      h('button', { type: 'button', class: 'primary', text: t('tabs.use_here'),
        onclick: () => ctx.useHere() }));
  },
};
