/**
 * The private help panel: crisis resources for the reader's locale (from the operator's
 * configuration, /api/crisis-resources.json), overdose first aid, and the way to a professional.
 * It opens over the current view (a modal dialog) so a conversation is not lost, and nothing
 * about opening it is sent anywhere.
 */

import { h } from '../dom.js';
import { language } from '../i18n.js';

export const FIRST_AID_STEPS = ['help.aid_call', 'help.aid_position', 'help.aid_naloxone', 'help.aid_stay'];
export const OVERDOSE_SIGNS = ['help.sign_breathing', 'help.sign_gurgling', 'help.sign_blue',
  'help.sign_pupils', 'help.sign_wake', 'help.sign_limp'];

let resourcesPromise = null;

/** Fetch the crisis resources once per page (same origin only). */
export function loadResources() {
  if (!resourcesPromise) {
    resourcesPromise = fetch('/api/crisis-resources.json', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
  }
  return resourcesPromise;
}

/**
 * The entries for `lang`, whatever reasonable shape the file has: a list of entries with a
 * language list, or a map keyed by language or locale. Entries: {name, number|phone, url, hours,
 * note|description} or their per-language variants.
 */
export function resourcesFor(data, lang) {
  if (!data) return [];
  let entries = [];
  const pickLocale = (obj) => obj[lang] || obj[{ fi: 'fi-FI', sv: 'sv-FI', en: 'en' }[lang]] || obj.en || [];
  if (Array.isArray(data)) entries = data;
  else if (Array.isArray(data.resources)) entries = data.resources;
  else if (data.locales && typeof data.locales === 'object') entries = pickLocale(data.locales);
  else if (typeof data === 'object') entries = pickLocale(data);
  if (!Array.isArray(entries)) entries = [];
  return entries
    .filter((e) => e && typeof e === 'object')
    .filter((e) => {
      const langs = e.languages || e.langs || (e.language ? [e.language] : (e.locale ? [String(e.locale).split('-')[0]] : null));
      return !langs || langs.includes(lang);
    })
    .map((e) => {
      const text = (v) => (v && typeof v === 'object' ? v[lang] || v.en || Object.values(v)[0] : v);
      return {
        name: text(e.name || e.title || e.label),
        number: e.number || e.phone || e.tel || null,
        url: e.url || null,
        hours: text(e.hours || e.open || null),
        note: text(e.note || e.description || e.what || null),
        emergency: Boolean(e.emergency || e.kind === 'emergency'),
      };
    })
    .filter((e) => e.name);
}

function resourceItem(t, r) {
  const tel = r.number ? String(r.number).replace(/[^0-9+]/g, '') : null;
  return h('li', { class: ['resource', r.emergency ? 'emergency' : null] },
    h('strong', { text: r.name }),
    r.note ? h('span', { class: 'muted', text: ` ${r.note}` }) : null,
    tel ? h('a', { class: 'call', href: `tel:${tel}`, text: t('help.call', { number: r.number }) }) : null,
    r.hours ? h('span', { class: 'muted small', text: r.hours }) : null,
    !tel && r.url ? h('a', { href: r.url, rel: 'noopener noreferrer', target: '_blank', text: r.url }) : null);
}

/** Open the help panel. opts: {overdose: bool, reason: 'button'|'detector'|'goodbye'}. */
export function openHelp(ctx, opts = {}) {
  const { t } = ctx;
  const existing = document.getElementById('help-panel');
  if (existing) existing.remove();
  const resources = h('ul', { class: 'resources', 'aria-busy': 'true' },
    h('li', { class: 'muted', text: t('help.loading') }));
  const firstAid = h('section', { class: 'first-aid', 'aria-labelledby': 'aid-title' },
    h('h3', { id: 'aid-title', text: t('help.aid_title') }),
    h('p', { text: t('help.signs_lead') }),
    h('ul', {}, ...OVERDOSE_SIGNS.map((k) => h('li', { text: t(k) }))),
    h('ol', {}, ...FIRST_AID_STEPS.map((k) => h('li', { text: t(k) }))));
  const professional = h('section', { class: 'professional', 'aria-labelledby': 'pro-title' },
    h('h3', { id: 'pro-title', text: t('help.pro_title') }),
    h('p', { text: ctx.escalation && ctx.escalation.available()
      ? t('help.pro_available') : t('help.pro_soon') }),
    ctx.escalation && ctx.escalation.available()
      ? h('button', { type: 'button', class: 'primary', text: t('help.pro_request'),
        onclick: () => ctx.escalation.request() })
      : null);
  const close = () => dialog.close();
  const dialog = h('dialog', { id: 'help-panel', class: 'dialog help', 'aria-labelledby': 'help-title' },
    h('div', { class: 'stack' },
      h('h2', { id: 'help-title', tabindex: '-1', text: t('help.title') }),
      h('p', { class: 'private-tag', text: t('help.only_you') }),
      opts.reason === 'detector' ? h('p', { text: t('help.detector_lead') }) : h('p', { text: t('help.lead') }),
      opts.overdose ? firstAid : null,
      h('section', { 'aria-labelledby': 'res-title' },
        h('h3', { id: 'res-title', text: t('help.resources_title') }),
        resources),
      professional,
      opts.overdose ? null : firstAid,
      h('button', { type: 'button', class: 'secondary', text: t('help.close'), onclick: close })));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  // Start reading at the top (the heading), not at the first link further down.
  dialog.querySelector('#help-title').focus();
  dialog.scrollTop = 0;
  loadResources().then((data) => {
    const list = resourcesFor(data, language());
    resources.setAttribute('aria-busy', 'false');
    resources.replaceChildren(...(list.length ? list.map((r) => resourceItem(t, r))
      : [h('li', { class: 'resource emergency' }, h('strong', { text: t('help.emergency_fallback') }),
        h('a', { class: 'call', href: 'tel:112', text: t('help.call', { number: '112' }) }))]));
  });
  return dialog;
}
