/**
 * DOM building without innerHTML: text always goes in as text, so nothing a peer types can
 * become markup, and nothing sets inline styles (the CSP forbids them; we use classes).
 */

const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'tabIndex']);

/**
 * h('button', {class: 'primary', onclick: fn, 'aria-label': '...'}, 'text', childNode, ...)
 * Attributes starting with "on" become listeners; `text` sets textContent; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'style') throw new Error('inline styles are not allowed: use a class');
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'text') {
      el.textContent = String(value);
    } else if (name === 'class') {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (PROPS.has(name)) {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A unique id for label/aria wiring. */
let counter = 0;
export function uid(prefix = 'id') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled form field: returns {wrap, input}. */
export function field(label, inputAttrs = {}, hint = null) {
  const id = uid('f');
  const hintId = hint ? `${id}-hint` : null;
  const tag = inputAttrs.multiline ? 'textarea' : 'input';
  const attrs = { ...inputAttrs, id, 'aria-describedby': hintId };
  delete attrs.multiline;
  const input = h(tag, attrs);
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    input,
    hint ? h('p', { class: 'hint', id: hintId, text: hint }) : null);
  return { wrap, input };
}

/**
 * Keyboard focus across a redraw. A control that a redraw replaces takes the focus with it (to
 * <body>, where a keyboard or screen-reader user loses their place); controls that can be
 * redrawn carry `data-focus-key`, or a stable id or name, and the new twin gets the focus back.
 */
export function focusKeyOf(root) {
  const el = document.activeElement;
  if (!el || el === document.body || !root.contains(el)) return null;
  const keyed = el.closest('[data-focus-key]');
  if (keyed && root.contains(keyed)) return `[data-focus-key="${CSS.escape(keyed.dataset.focusKey)}"]`;
  if (el.id && !/^f-\d+$/.test(el.id)) return `#${CSS.escape(el.id)}`; // field() ids change per draw
  if (el.name) return `${el.tagName.toLowerCase()}[name="${CSS.escape(el.name)}"]`;
  return null;
}

export function refocus(root, key) {
  if (!key) return;
  const el = root.querySelector(key);
  if (el && document.activeElement !== el) el.focus({ preventScroll: true });
}

/**
 * For a dialog: call before opening it; the function returned, called when it has closed, puts
 * the focus back on the control that opened it or, if a redraw replaced that control meanwhile
 * (a member joined, a message was marked), on its twin; failing both, on `fallback` (a selector).
 */
export function focusReturn(fallback = null) {
  const opener = document.activeElement;
  const key = focusKeyOf(document.body);
  return () => {
    const el = (opener && opener !== document.body && opener.isConnected ? opener : null)
      || (key && document.querySelector(key)) || (fallback && document.querySelector(fallback));
    if (el) el.focus();
  };
}

/** Run `redraw()` on `root`, keeping the focus on the same control when it is redrawn. */
export function keepFocus(root, redraw) {
  const key = focusKeyOf(root);
  const out = redraw();
  refocus(root, key);
  return out;
}

/**
 * A visually hidden live region that says only what it is given ("Sender: text"), not the
 * buttons and times around a message. Chat logs are plain lists (no role=log / aria-live): a
 * live log reads each new item whole, "Talk privately" and "Report" labels included.
 * Returns {node, say(text)}; it keeps the last few lines so a burst is not cut short.
 */
export function announcer(keep = 3) {
  const node = h('div', { class: 'visually-hidden announcer', 'aria-live': 'polite',
    'aria-relevant': 'additions', 'aria-atomic': 'false' });
  return {
    node,
    /** Say `text`; its node, to take it back with `.remove()` (a message since removed). */
    say(text) {
      if (!text) return null;
      const said = h('p', { text });
      node.append(said);
      while (node.childElementCount > keep) node.firstElementChild.remove();
      return said;
    },
  };
}
