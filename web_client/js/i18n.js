/**
 * Interface text in Finnish, Swedish and English. The browser's language decides at first;
 * a choice made in the page is remembered on this device only (localStorage).
 */

import en from './i18n/en.js';
import fi from './i18n/fi.js';
import sv from './i18n/sv.js';

export const LANGUAGES = Object.freeze({ fi, sv, en });
export const LANGUAGE_NAMES = Object.freeze({ fi: 'Suomi', sv: 'Svenska', en: 'English' });
const STORAGE_KEY = 'iltapiiri.lang';
const FALLBACK = 'en';

let current = FALLBACK;
const listeners = new Set();

/** The language to use: the remembered choice, else the first supported browser language. */
export function detectLanguage(preferred = navigator.languages || [navigator.language]) {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && LANGUAGES[saved]) return saved;
  } catch (err) {
    // storage may be disabled; fall through to the browser's languages
  }
  for (const tag of preferred) {
    const base = String(tag || '').toLowerCase().split('-')[0];
    if (LANGUAGES[base]) return base;
  }
  return FALLBACK;
}

export function language() {
  return current;
}

/** Switch language, remember it, and tell the views to redraw. */
export function setLanguage(lang, remember = true) {
  if (!LANGUAGES[lang]) return;
  current = lang;
  document.documentElement.lang = lang;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch (err) {
      // not remembered, still switched
    }
  }
  for (const fn of listeners) fn(lang);
}

/** Add strings of a part loaded later (js/staff/ brings its own, so peers download none of
 * them): `{fi: {...}, sv: {...}, en: {...}}`. A key the page already has is kept as it is. */
export function addStrings(byLanguage) {
  for (const [lang, strings] of Object.entries(byLanguage)) {
    const into = LANGUAGES[lang];
    if (!into) continue;
    for (const [key, text] of Object.entries(strings)) if (!(key in into)) into[key] = text;
  }
}

export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Translate `key`, filling {name} placeholders; falls back to English, then to the key. */
export function t(key, params = {}) {
  let text = LANGUAGES[current][key];
  if (text === undefined) text = LANGUAGES[FALLBACK][key];
  if (text === undefined) return key;
  if (typeof text === 'function') return text(params);
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

const REGION_DEFAULTS = { fi: 'fi-FI', sv: 'sv-FI', en: 'en-GB' };

/** The locale for dates and times: the browser's own tag when it is in the interface language
 * (so sv-SE keeps Swedish conventions), else a Finnish-region default (24-hour clock). */
export function formatLocale(preferred = navigator.languages || [navigator.language]) {
  for (const tag of preferred) {
    if (String(tag || '').toLowerCase().split('-')[0] === current && tag.includes('-')) return tag;
  }
  return REGION_DEFAULTS[current] || current;
}

/** A time like 21:30 in the interface language. */
export function formatTime(date) {
  return new Intl.DateTimeFormat(formatLocale(), { hour: '2-digit', minute: '2-digit' }).format(date);
}

/** A weekday and date in the interface language. */
export function formatDay(date) {
  return new Intl.DateTimeFormat(formatLocale(), { weekday: 'long', day: 'numeric', month: 'long' })
    .format(date);
}

/** The name of a language code (fi, sv, en) in the interface language. */
export function languageName(code) {
  try {
    return new Intl.DisplayNames([current], { type: 'language' }).of(code) || code;
  } catch (err) {
    return code;
  }
}
