/**
 * Safety numbers: two peers compare the same digits (read aloud in a group, or side by side) to
 * know no one sits in the middle. The digits come from the e2ee port (safetyNumber); until it is
 * installed the layout shows where they will be.
 */

import { h } from '../dom.js';
import { b64decode } from '../crypto/primitives.js';
import { loadList, toggleInList } from '../local.js';

/** Split digits into groups of five, as Signal shows them (12 x 5 = 60). */
export function groupDigits(digits) {
  return (String(digits).match(/\d{1,5}/g) || []);
}

export default {
  name: 'safety',
  title: (t) => t('safety.title'),
  render(ctx, { peer, peerKey }) {
    const { t } = ctx;
    const grid = h('div', { class: 'safety-grid', 'aria-live': 'polite' },
      h('p', { class: 'muted', text: t('safety.computing') }));
    const verifiedKey = `${peer}:${peerKey || ''}`;
    const verified = loadList('verified').includes(verifiedKey);
    (async () => {
      let digits = null;
      try {
        if (peerKey && ctx.session.identity) {
          digits = await ctx.messaging.safetyNumber(ctx.session.identity.publicKey, b64decode(peerKey));
        }
      } catch (err) {
        digits = null;
      }
      if (!digits) {
        grid.replaceChildren(h('p', { class: 'muted', text: t('safety.not_ready') }),
          h('div', { class: 'digits placeholder', 'aria-hidden': 'true' },
            ...Array.from({ length: 12 }, () => h('span', { text: '·····' }))));
        return;
      }
      const groups = groupDigits(digits);
      grid.replaceChildren(h('div', { class: 'digits', role: 'group', 'aria-label': t('safety.digits_label') },
        ...groups.map((g) => h('span', { text: g }))));
    })();
    return h('section', { class: 'view safety' },
      h('h1', { text: t('safety.title') }),
      h('p', { class: 'lead', text: t('safety.lead', { name: peer || '' }) }),
      grid,
      h('ol', { class: 'steps' },
        h('li', { text: t('safety.step_meet', { name: peer || '' }) }),
        h('li', { text: t('safety.step_compare') }),
        h('li', { text: t('safety.step_mark') })),
      h('label', { class: 'choice' },
        h('input', { type: 'checkbox', checked: verified, disabled: !peerKey,
          onchange: (ev) => toggleInList('verified', verifiedKey, ev.target.checked) }),
        ` ${t('safety.mark_verified', { name: peer || '' })}`),
      h('button', { type: 'button', class: 'secondary', text: t('common.back'),
        onclick: () => ctx.router.back() }));
  },
};
