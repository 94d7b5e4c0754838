/**
 * One tab at a time per device identity. Two tabs with the same identity would share one set of
 * encryption state in IndexedDB and overwrite each other's ratchets (the second tab's messages
 * then "cannot be opened yet", forever). So a tab that opens while another is in use says so and
 * offers "use here"; using it here makes the other tab step back (it closes its connection and
 * says where the chat went), then this tab reloads and starts clean from the stored state.
 *
 * The tabs talk over a BroadcastChannel (same origin, this browser profile only; nothing is
 * sent to the server). Messages: {type: 'ping', from} -> the tab in use answers
 * {type: 'active', to}; {type: 'claim', from} -> it steps back and answers {type: 'yielded', to}.
 * Without BroadcastChannel every tab works alone, as before.
 */

export const TAB_CHANNEL = 'iltapiiri.tabs';
// The Web Lock the e2ee engine holds for the life of the tab in use (js/e2ee/index.js): a tab
// showing "open in another tab" waits on it to take over when that tab is closed.
export const LOCK_NAME = 'iltapiiri-e2ee';
export const ANSWER_WAIT_MS = 300; // same-process message delivery takes a few ms

export class TabGuard extends EventTarget {
  constructor({ Channel = globalThis.BroadcastChannel, waitMs = ANSWER_WAIT_MS } = {}) {
    super();
    this.id = Math.random().toString(36).slice(2) + Date.now().toString(36);
    this.waitMs = waitMs;
    this.active = false; // this tab is the one in use
    this.waiting = new Map(); // answer type -> resolve
    this.channel = typeof Channel === 'function' ? new Channel(TAB_CHANNEL) : null;
    if (this.channel) this.channel.onmessage = (ev) => this.onMessage(ev.data || {});
  }

  on(type, fn) {
    const listener = (ev) => fn(ev.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  post(message) {
    if (this.channel) this.channel.postMessage({ ...message, from: this.id });
  }

  onMessage(m) {
    if (m.from === this.id) return;
    if (m.type === 'ping' && this.active) this.post({ type: 'active', to: m.from });
    if (m.type === 'claim' && this.active) {
      this.active = false;
      this.dispatchEvent(new CustomEvent('yield'));
      this.post({ type: 'yielded', to: m.from });
    }
    if ((m.type === 'active' || m.type === 'yielded') && m.to === this.id) {
      const resolve = this.waiting.get(m.type);
      if (resolve) resolve(true);
    }
  }

  answer(type, message) {
    if (!this.channel) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.waiting.delete(type); resolve(false); }, this.waitMs);
      this.waiting.set(type, (v) => { clearTimeout(timer); this.waiting.delete(type); resolve(v); });
      this.post(message);
    });
  }

  /** True when another tab of this browser is using the identity now. */
  otherTabActive() {
    return this.answer('active', { type: 'ping' });
  }

  /** Ask the tab in use to step back; resolves when it did (or nobody answered). */
  claim() {
    return this.answer('yielded', { type: 'claim' });
  }

  /** This tab is the one in use from now on. */
  activate() {
    this.active = true;
  }
}

/** Resolves when no tab holds the engine's lock any more (the tab in use was closed). */
export function lockFreed() {
  if (!globalThis.navigator || !navigator.locks) return new Promise(() => {});
  return navigator.locks.request(LOCK_NAME, { mode: 'shared' }, () => true);
}

const STEPPED_KEY = 'iltapiiri.tab.stepped'; // sessionStorage: this tab only, survives a reload

/** Reload this tab into "the chat is open in another tab" (after a 'yield'). */
export function stepBack(win) {
  try {
    win.sessionStorage.setItem(STEPPED_KEY, '1');
  } catch (err) {
    // No session storage: the reload then asks the other tabs, and the one in use answers.
  }
  win.location.reload();
}

/** True once after stepBack(): this load should show "open in another tab" and do nothing else. */
export function steppedBack(win) {
  try {
    const was = win.sessionStorage.getItem(STEPPED_KEY) === '1';
    win.sessionStorage.removeItem(STEPPED_KEY);
    return was;
  } catch (err) {
    return false;
  }
}
