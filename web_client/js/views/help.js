/**
 * The private help panel: crisis resources for where the person is (from the operator's
 * configuration, /api/crisis-resources.json, picked as moderation.resources_for picks them),
 * overdose first aid, and the way to a professional. It opens over the current view (a modal
 * dialog) so a conversation is not lost, and nothing about opening it is sent anywhere.
 */

import { h } from '../dom.js';
import { language } from '../i18n.js';
import { loadValue, saveValue } from '../local.js';
import { FALLBACK_LOCALE, FIRST_AID_MIN_SEVERITY, guessLocale, resourcesFor } from '../safety/resources.js';

// Used only if the configuration cannot be loaded: the emergency number and the i18n first aid.
export const FIRST_AID_STEPS = ['help.aid_call', 'help.aid_position', 'help.aid_naloxone', 'help.aid_stay'];
export const OVERDOSE_SIGNS = ['help.sign_breathing', 'help.sign_gurgling', 'help.sign_blue',
  'help.sign_pupils', 'help.sign_wake', 'help.sign_limp'];
const BUTTON_SEVERITY = 3; // "I need to talk to a professional": crisis lines and 112
// resources_for gives nothing when no crisis category fired (an empty list counts as "only
// warnings"), so the button asks as for distress: the level's lines, nothing category-specific.
const BUTTON_CATEGORIES = ['distress'];
const LOCALES = ['FI', 'SE', FALLBACK_LOCALE];

let configPromise = null;

/** Fetch the crisis resources once per page (same origin only); null when unavailable. */
export function loadResources() {
  if (!configPromise) {
    configPromise = fetch('/api/crisis-resources.json', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .then((cfg) => (cfg && cfg.resources && cfg.locales ? cfg : null))
      .catch(() => null);
  }
  return configPromise;
}

function resourceItem(t, r) {
  const tel = r.number ? String(r.number).replace(/[^0-9+]/g, '') : null;
  const emergency = tel === '112';
  return h('li', { class: ['resource', emergency ? 'emergency' : null] },
    h('strong', { text: r.name }),
    tel ? h('a', { class: 'call', href: `tel:${tel}`, text: t('help.call', { number: r.number }) }) : null,
    r.hours ? h('span', { class: 'muted small', text: r.hours }) : null,
    // A chat or web service is shown beside the number, not only when there is none.
    r.url ? h('a', { href: r.url, rel: 'noopener noreferrer', target: '_blank',
      text: tel ? t('help.chat_link', { url: r.url.replace(/^https?:\/\//, '') }) : r.url }) : null);
}

function firstAidBlock(t, signs, steps, open) {
  const body = [
    h('p', { text: t('help.signs_lead') }),
    h('ul', {}, ...signs.map((s) => h('li', { text: s }))),
    h('ol', {}, ...steps.map((s) => h('li', { text: s }))),
  ];
  if (open) {
    return h('section', { class: 'first-aid', 'aria-labelledby': 'aid-title' },
      h('h3', { id: 'aid-title', text: t('help.aid_title') }), ...body);
  }
  return h('details', { class: 'first-aid' }, h('summary', { text: t('help.aid_title') }), ...body);
}

/**
 * Open the help panel. opts: {reason: 'button'|'detector'|'goodbye', severity, categories}
 * (severity and categories from the detector when it fired on what the person wrote).
 */
export function openHelp(ctx, opts = {}) {
  const { t } = ctx;
  const existing = document.getElementById('help-panel');
  if (existing) existing.remove();
  const detector = opts.reason === 'detector';
  const severity = detector ? Math.max(1, Number(opts.severity) || 0) : BUTTON_SEVERITY;
  const categories = detector && Array.isArray(opts.categories) ? opts.categories : BUTTON_CATEGORIES;
  const lead = h('p', { text: detector ? t('help.detector_lead') : t('help.lead') });
  const aidSlotTop = h('div');
  const aidSlotBottom = h('div');
  const resources = h('ul', { class: 'resources', 'aria-busy': 'true' },
    h('li', { class: 'muted', text: t('help.loading') }));
  const where = h('select', { id: 'help-where', name: 'where' },
    ...LOCALES.map((l) => h('option', { value: l, text: t(`help.where_${l.toLowerCase()}`) })));
  where.value = loadValue('help.locale', null) || guessLocale();

  const draw = (cfg) => {
    resources.setAttribute('aria-busy', 'false');
    if (!cfg) {
      resources.replaceChildren(h('li', { class: 'resource emergency' },
        h('strong', { text: t('help.emergency_fallback') }),
        h('a', { class: 'call', href: 'tel:112', text: t('help.call', { number: '112' }) })));
      aidSlotBottom.replaceChildren(firstAidBlock(t, OVERDOSE_SIGNS.map((k) => t(k)),
        FIRST_AID_STEPS.map((k) => t(k)), false));
      return;
    }
    const view = resourcesFor(severity, categories, where.value, language(), cfg);
    if (detector && view.message) lead.textContent = view.message;
    resources.replaceChildren(...view.resources.map((r) => resourceItem(t, r)));
    if (view.firstAidSteps.length) {
      aidSlotTop.replaceChildren(firstAidBlock(t, view.firstAidSigns, view.firstAidSteps, true));
      aidSlotBottom.replaceChildren();
    } else {
      // First aid stays one tap away for someone worried about another person.
      const aid = resourcesFor(FIRST_AID_MIN_SEVERITY, ['overdose'], where.value, language(), cfg);
      aidSlotTop.replaceChildren();
      aidSlotBottom.replaceChildren(firstAidBlock(t, aid.firstAidSigns, aid.firstAidSteps, false));
    }
  };
  where.addEventListener('change', () => {
    saveValue('help.locale', where.value);
    loadResources().then(draw);
  });

  const available = ctx.escalation && ctx.escalation.available();
  const professional = h('section', { class: 'professional', 'aria-labelledby': 'pro-title' },
    h('h3', { id: 'pro-title', text: t('help.pro_title') }),
    h('p', { text: available ? t('help.pro_available') : t('help.pro_soon') }),
    // The detector's level goes with the request it offered; at level 4 it asks again, plainly.
    available && detector && severity >= 4 ? h('p', { class: 'ask-again', text: t('case.ask_again') }) : null,
    available ? h('button', { type: 'button', class: 'primary', id: 'help-pro-request', text: t('help.pro_request'),
      onclick: () => {
        dialog.close();
        ctx.escalation.request(detector ? { level: severity, source: 'detector' } : {});
      } }) : null);
  const close = () => dialog.close();
  const dialog = h('dialog', { id: 'help-panel', class: 'dialog help', 'aria-labelledby': 'help-title' },
    h('div', { class: 'stack' },
      h('div', { class: 'dialog-head' },
        h('h2', { id: 'help-title', tabindex: '-1', text: t('help.title') }),
        ctx.quickExitButton ? ctx.quickExitButton() : null),
      h('p', { class: 'private-tag', text: t('help.only_you') }),
      lead,
      aidSlotTop,
      h('section', { 'aria-labelledby': 'res-title' },
        h('h3', { id: 'res-title', text: t('help.resources_title') }),
        h('div', { class: 'field inline' }, h('label', { for: 'help-where', text: t('help.where') }), where),
        resources),
      professional,
      aidSlotBottom,
      h('button', { type: 'button', class: 'secondary', text: t('help.close'), onclick: close })));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  // Start reading at the top (the heading), not at the first link further down.
  dialog.querySelector('#help-title').focus();
  dialog.scrollTop = 0;
  loadResources().then(draw);
  return dialog;
}
