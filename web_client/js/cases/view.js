/**
 * The person's counsellor view ('case'): ask, the honest place in the queue and the estimate
 * (redrawn on every `case.update`), the alternatives with their hours when no counsellor can come
 * soon, "a counsellor is here" with their name, the 1:1 itself with "share where I am or how to
 * reach me" (shareview.js), its end and a one-tap rating.
 * Every level-4 request shows the emergency numbers at once, whatever the queue says.
 */

import { h, keepFocus } from '../dom.js';
import { formatTime, language } from '../i18n.js';
import { loadResources } from '../views/help.js';
import { shareBox } from './shareview.js';

export const RATINGS = Object.freeze([1, 2, 3, 4, 5]);
const WAITING = ['requested', 'queued', 'offered', 'consent_pending'];
const ACTIVE = ['active', 'transfer_pending'];
// Where the kept parts go among the redrawn ones, in this order: the "share where I am" box and
// the composer are made once per view, so a redraw (a message arriving) never drops what is typed.
const SHARE = Symbol('share');
const COMPOSER = Symbol('composer');

function alternative(t, cfg, id) {
  const r = cfg && cfg.resources && cfg.resources[id];
  if (!r) return null;
  const lang = language();
  const pick = (v) => (v && typeof v === 'object' ? v[lang] || v.en || '' : v || '');
  const tel = r.number ? String(r.number).replace(/[^0-9+]/g, '') : null;
  return h('li', { class: ['resource', tel === '112' ? 'emergency' : null], 'data-resource': id },
    h('strong', { text: pick(r.name) }),
    tel ? h('a', { class: 'call', href: `tel:${tel}`, text: t('help.call', { number: r.number }) }) : null,
    r.hours ? h('span', { class: 'muted small', text: pick(r.hours) }) : null,
    r.url ? h('a', { href: r.url, rel: 'noopener noreferrer', target: '_blank', text: r.url.replace(/^https?:\/\//, '') }) : null);
}

function waitText(t, s) {
  if (s.position === null || s.position === undefined) return t('case.position_unknown');
  const place = t('case.position', { n: s.position });
  if (s.estimated_wait_s === null || s.estimated_wait_s === undefined) return `${place} ${t('case.wait_unknown')}`;
  return `${place} ${t('case.wait', { n: Math.max(1, Math.round(s.estimated_wait_s / 60)) })}`;
}

function fallbackText(t, s) {
  if (s.fallback === 'closed') {
    return s.opens_at ? t('case.fallback_closed_at', { time: formatTime(new Date(s.opens_at)) })
      : t('case.fallback_closed');
  }
  return s.fallback ? t(`case.fallback_${s.fallback}`) : null;
}

function messageList(t, pc) {
  return h('ol', { class: 'case-log', 'aria-label': t('case.log_label') },
    ...pc.messages().map((m) => h('li', { class: ['msg', m.mine ? 'mine' : 'theirs'] },
      h('span', { class: 'visually-hidden', text: m.mine ? t('case.you') : pc.status.counsellor.name }),
      h('p', { dir: 'auto', text: m.text }))));
}

function composer(ctx, pc) {
  const { t } = ctx;
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const input = h('textarea', { id: 'case-text', rows: '2', 'aria-label': t('case.write') });
  const form = h('form', { class: 'composer', onsubmit: async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    error.hidden = true;
    try {
      await pc.send(text);
      if (input.value.trim() === text) input.value = ''; // only what was sent: not words typed since
      input.focus();
    } catch (err) {
      error.textContent = t('case.send_failed');
      error.hidden = false;
    }
  } }, input, h('button', { type: 'submit', class: 'primary', text: t('case.send') }), error);
  return form;
}

function body(ctx, pc, cfg) {
  const { t } = ctx;
  const s = pc.status;
  const parts = [];
  if (!s) {
    parts.push(h('p', { text: t('case.lead') }),
      h('button', { type: 'button', class: 'primary', id: 'case-ask', text: t('help.pro_request'),
        onclick: () => ctx.cases.ask() }));
    return parts;
  }
  if (s.level >= 4) {
    parts.push(h('section', { class: 'card emergency-now', 'aria-labelledby': 'case-emerg' },
      h('h2', { id: 'case-emerg', text: t('case.emergency_title') }),
      h('ul', { class: 'resources' }, alternative(t, cfg, 'fi.emergency'), alternative(t, cfg, 'fi.poison'))));
  }
  if (WAITING.includes(s.state)) {
    parts.push(h('p', { class: 'case-position', role: 'status', text: waitText(t, s) }));
    const fb = fallbackText(t, s);
    if (fb) {
      parts.push(h('section', { class: 'card case-fallback', 'aria-labelledby': 'case-alt' },
        h('h2', { id: 'case-alt', text: t('case.alternatives') }),
        h('p', { class: 'fallback', text: fb }),
        h('ul', { class: 'resources' }, ...(s.alternatives || []).map((id) => alternative(t, cfg, id)))));
    }
    parts.push(h('button', { type: 'button', class: 'secondary', text: t('case.cancel'),
      onclick: () => pc.leave().catch(() => {}) }));
  } else if (ACTIVE.includes(s.state)) {
    parts.push(h('p', { class: 'case-here', role: 'status', text: t('case.here', { name: s.counsellor ? s.counsellor.name : '' }) }),
      SHARE, messageList(t, pc), COMPOSER,
      h('button', { type: 'button', class: 'link small', text: t('case.end'), onclick: () => pc.leave().catch(() => {}) }));
  } else if (!s.counsellor) {
    // Cancelled (or expired) before anyone came: nothing to rate.
    parts.push(h('p', { class: 'case-ended', role: 'status', text: t('case.cancelled') }),
      h('button', { type: 'button', class: 'secondary', text: t('case.again'), onclick: () => { pc.reset(); } }));
  } else {
    parts.push(h('p', { class: 'case-ended', role: 'status', text: t('case.ended') }));
    if (pc.messages().length) parts.push(messageList(t, pc));
    if (pc.rated) {
      parts.push(h('p', { class: 'muted', text: t('case.thanks') }),
        h('button', { type: 'button', class: 'secondary', text: t('case.again'), onclick: () => { pc.reset(); } }));
    } else {
      parts.push(h('fieldset', { class: 'case-rating' }, h('legend', { text: t('case.rate') }),
        h('div', { class: 'row' }, ...RATINGS.map((n) => h('button', { type: 'button', class: 'secondary',
          'data-rating': String(n), 'aria-label': t('case.rate_n', { n }), text: String(n),
          onclick: () => pc.rate(n).catch(() => {}) })))));
    }
  }
  return parts;
}

export default {
  name: 'case',
  title: (t) => t('case.title'),
  render(ctx) {
    const { t } = ctx;
    const pc = ctx.cases.peerCase;
    let cfg = null;
    const area = h('div', { class: 'case-body' });
    // Redrawn segments around the kept parts: [seg] share [seg] composer [seg].
    const share = shareBox(ctx, pc);
    const kept = [[SHARE, share.node], [COMPOSER, composer(ctx, pc)]];
    const segs = [0, 1, 2].map(() => h('div', { class: 'stack' }));
    area.append(segs[0], kept[0][1], segs[1], kept[1][1], segs[2]);
    const draw = () => keepFocus(area, () => {
      const parts = body(ctx, pc, cfg);
      let seg = 0;
      const out = [[], [], []];
      for (const part of parts) {
        const k = kept.findIndex(([sym]) => sym === part);
        if (k >= 0) seg = k + 1;
        else out[seg].push(part);
      }
      segs.forEach((el, i) => el.replaceChildren(...out[i]));
      kept.forEach(([sym, el]) => { el.hidden = !parts.includes(sym); });
      if (parts.includes(SHARE)) share.update(pc.status);
    });
    loadResources().then((c) => { cfg = c; draw(); });
    draw();
    let last = pc.status && pc.status.state;
    const off = pc.on((s) => {
      const state = s && s.state;
      if (state !== last && state === 'active') ctx.live(t('case.here', { name: s.counsellor ? s.counsellor.name : '' }));
      last = state;
      draw();
    });
    const node = h('section', { class: 'view case' },
      h('h1', { text: t('case.title') }),
      h('p', { class: 'private-tag', text: t('case.private') }), area);
    return { node, dispose: off };
  },
};
