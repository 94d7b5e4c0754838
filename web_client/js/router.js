/**
 * A small view router. Views are modules under js/views/ exporting
 * `{ name, title(t), render(ctx, params) -> Node | {node, dispose} }`; moderator and counsellor
 * views register the same way beside the peer views.
 *
 * It keeps no browser history on purpose: the address stays "/", so after a quick exit the back
 * button does not lead into a conversation, and nothing about the visit shows in the history.
 */

import { keepFocus } from './dom.js';

export class Router {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.views = new Map();
    this.current = null; // {name, params, dispose}
    this.listeners = new Set();
  }

  register(view) {
    this.views.set(view.name, view);
  }

  onChange(fn) {
    this.listeners.add(fn);
  }

  /** Show a view; `focus` moves keyboard and screen-reader focus to its heading. */
  show(name, params = {}, { focus = true } = {}) {
    const view = this.views.get(name);
    if (!view) throw new Error(`unknown view ${name}`);
    if (this.current && this.current.dispose) this.current.dispose();
    if (this.current && this.current.name !== name) {
      this.previous = { name: this.current.name, params: this.current.params };
    }
    const out = view.render(this.ctx, params);
    const node = out instanceof Node ? out : out.node;
    this.current = { name, params, dispose: out instanceof Node ? null : out.dispose };
    this.root.replaceChildren(node);
    this.root.dataset.view = name;
    document.title = `${view.title(this.ctx.t, params)} · Iltapiiri`;
    if (focus) {
      const heading = this.root.querySelector('h1');
      if (heading) {
        heading.tabIndex = -1;
        heading.focus({ preventScroll: false });
      }
    }
    for (const fn of this.listeners) fn(name, params);
  }

  /** Back to the view before this one (inside the app; browser history is not used). */
  back(fallback = 'groups') {
    const prev = this.previous;
    this.previous = null;
    if (prev) this.show(prev.name, prev.params);
    else this.show(fallback);
  }

  /** Draw the current view again (after a language switch), keeping focus where it can. */
  refresh() {
    if (!this.current) return;
    keepFocus(this.root, () => this.show(this.current.name, this.current.params, { focus: false }));
  }

  /** Tear everything down (quick exit). */
  clear() {
    if (this.current && this.current.dispose) this.current.dispose();
    this.current = null;
    this.root.replaceChildren();
  }
}
