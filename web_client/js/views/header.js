/**
 * Header pieces and the page frame (issue 12): the phone menu (navigation, language and theme
 * behind one button, so the header is one row on a phone), the light/dark theme switch
 * (following prefers-color-scheme until the person picks one, remembered on this device), and
 * the visible height under an on-screen keyboard (visualViewport) for the pinned composer.
 */

import { h } from '../dom.js';
import { loadValue, saveValue } from '../local.js';

export const THEMES = Object.freeze(['auto', 'light', 'dark']);

/** Apply a theme: 'auto' follows the device (prefers-color-scheme), the others force it. */
export function applyTheme(value, root = document.documentElement) {
  const theme = THEMES.includes(value) ? value : 'auto';
  if (theme === 'auto') delete root.dataset.theme;
  else root.dataset.theme = theme;
  return theme;
}

/** The remembered theme (or 'auto'), applied to the page. */
export function restoreTheme() {
  return applyTheme(loadValue('theme', 'auto'));
}

export function themeSelect(t) {
  const current = loadValue('theme', 'auto');
  return h('select', { id: 'theme', 'aria-label': t('header.theme'),
    onchange: (ev) => saveValue('theme', applyTheme(ev.target.value)) },
  ...THEMES.map((v) => h('option', { value: v, selected: v === current, text: t(`theme.${v}`) })));
}

/**
 * The phone's menu button for `panel` (hidden by CSS at wider widths, where the panel's
 * contents sit in the header row). Escape or choosing a view closes it.
 */
let menuOpen = false; // survives a redraw of the header (a language switch from the menu)

export function menuToggle(t, panel) {
  const button = h('button', { type: 'button', id: 'menu-button', class: 'menu-button',
    'aria-expanded': 'false', 'aria-controls': panel.id, 'aria-label': t('header.menu'),
    'data-focus-key': 'menu' },
  h('span', { class: 'menu-icon', 'aria-hidden': 'true', text: '☰' }));
  const set = (open) => {
    menuOpen = open;
    button.setAttribute('aria-expanded', String(open));
    panel.classList.toggle('open', open);
  };
  set(menuOpen);
  button.addEventListener('click', () => set(button.getAttribute('aria-expanded') !== 'true'));
  panel.addEventListener('click', (ev) => { if (ev.target.closest('.navlink, .pro-button')) set(false); });
  panel.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && panel.classList.contains('open')) {
      set(false);
      button.focus();
    }
  });
  return button;
}

/**
 * Keep `--app-height` at the visible height (the layout viewport minus an on-screen keyboard),
 * so the chat's composer stays pinned above the keyboard. Returns a function that stops.
 */
export function installViewportHeight(win = window) {
  const vv = win.visualViewport;
  const doc = win.document;
  if (!vv || typeof win.CSSStyleSheet !== 'function') return () => {};
  // A constructed sheet, not a style attribute (the page sets no inline styles).
  const sheet = new win.CSSStyleSheet();
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
  const update = () => sheet.replaceSync(`:root { --app-height: ${Math.round(vv.height)}px; }`);
  vv.addEventListener('resize', update);
  update();
  return () => {
    vv.removeEventListener('resize', update);
    doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => s !== sheet);
  };
}
