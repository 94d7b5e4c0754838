/**
 * "Share where I am or how to reach me": in the person's 1:1 with their counsellor, a disclosure
 * (closed until they open it) where they choose a place or a contact, TYPE it (no geolocation,
 * no maps: nothing is looked up) and send it to the counsellor who has the case, and only them
 * (PeerCase.shareEmergency: the end-to-end encrypted `emergency_share` control). It says who
 * will see it before anything is sent, and lists what was shared on this page.
 *
 * Made once per view and kept across redraws (view.js moves it, never rebuilds it), so what is
 * being typed, the choice and the open state survive a message arriving. The textarea has
 * autocomplete off: an address typed here is not kept in the browser's form history.
 */

import { h, uid } from '../dom.js';
import { formatTime } from '../i18n.js';
import { EMERGENCY_KINDS, MAX_EMERGENCY_VALUE_CHARS } from './emergency.js';

const ERRORS = { empty: 'case.share_empty', too_large: 'case.share_too_long' };

export function shareBox(ctx, pc) {
  const { t } = ctx;
  const whoId = uid('share-who');
  const hintId = uid('share-hint');
  const who = h('p', { id: whoId, class: 'share-who' });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const sent = h('p', { class: 'share-sent', role: 'status' });
  const list = h('ul', { class: 'share-list', 'aria-label': t('case.share_list') });
  const text = h('textarea', { id: 'case-share-text', name: 'share-value', rows: '2', autocomplete: 'off',
    maxlength: String(MAX_EMERGENCY_VALUE_CHARS), 'aria-describedby': `${hintId} ${whoId}` });
  const kinds = EMERGENCY_KINDS.map((kind, i) => {
    const id = `case-share-${kind}`;
    return h('div', { class: 'choice' },
      h('input', { type: 'radio', id, name: 'share-kind', value: kind, checked: i === 0 }),
      h('label', { for: id, text: t(`case.share_${kind}`) }));
  });
  const button = h('button', { type: 'submit', class: 'primary', id: 'case-share-send', text: t('case.share_send') });
  const form = h('form', { class: 'stack share-form', 'aria-describedby': whoId, onsubmit: async (ev) => {
    ev.preventDefault();
    const kind = form.querySelector('input[name=share-kind]:checked').value;
    error.hidden = true;
    button.disabled = true;
    try {
      const share = await pc.shareEmergency(kind, text.value);
      text.value = '';
      sent.textContent = t('case.share_sent', { name: share.to, time: formatTime(new Date(share.at)) });
      text.focus();
    } catch (err) {
      error.textContent = t(ERRORS[err && err.code] || 'case.share_failed');
      error.hidden = false;
      text.focus();
    } finally {
      button.disabled = false;
    }
  } },
  h('fieldset', { class: 'share-kinds' }, h('legend', { text: t('case.share_kind') }), ...kinds),
  h('div', { class: 'field' },
    h('label', { for: 'case-share-text', text: t('case.share_text') }), text,
    h('p', { class: 'hint', id: hintId, text: t('case.share_hint') })),
  error, button);
  const node = h('details', { class: 'card case-share' },
    h('summary', { id: 'case-share-open', text: t('case.share_open') }), who, form, sent, list);
  return {
    node,
    /** The counsellor's name and the shares so far (on every status change). */
    update(status) {
      who.textContent = t('case.share_who', { name: status && status.counsellor ? status.counsellor.name : '' });
      list.hidden = !pc.shares.length;
      list.replaceChildren(...pc.shares.map((s) => h('li', {},
        h('strong', { text: `${t(`case.share_kind_${s.kind}`)} · ${formatTime(new Date(s.at))}: ` }),
        h('span', { dir: 'auto', text: s.value }))));
    },
  };
}
