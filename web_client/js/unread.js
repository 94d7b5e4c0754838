/**
 * Unread counts per group room (`room:<id>`) and per 1:1 chat (`direct:<pseudonym>`), the total
 * in the tab title ("(3) Iltapiiri"), and the optional alerts for a new message: a short sound
 * and a browser notification. Both are off until the person turns them on in settings (the
 * notification asks the browser's permission then). The notification never says who wrote or
 * what: only "New message in Iltapiiri", since a lock screen is seen by others.
 *
 * A message counts when it is someone else's (not a "joined" line) and its chat is not in view:
 * another view is shown, or the page is hidden. Viewing the chat clears its count.
 */

import { loadValue, saveValue } from './local.js';

export const ALERT_SETTINGS = 'alerts'; // localStorage: {sound: bool, notify: bool}
const TITLE_COUNT = /^\(\d+\) /;
const BEEP_MS = 180;

export function alertSettings() {
  const v = loadValue(ALERT_SETTINGS, {}) || {};
  return { sound: v.sound === true, notify: v.notify === true };
}

export function saveAlertSettings(next) {
  saveValue(ALERT_SETTINGS, { ...alertSettings(), ...next });
}

/** The key of the chat a view shows, or null. */
export function keyOfView(current) {
  if (!current || !current.params) return null;
  if (current.name === 'chat' && current.params.room) return `room:${current.params.room}`;
  if (current.name === 'direct' && current.params.peer) return `direct:${current.params.peer}`;
  return null;
}

export class Unread extends EventTarget {
  constructor({ rooms, directs, router, t, doc = document }) {
    super();
    this.router = router;
    this.t = t;
    this.doc = doc;
    this.counts = new Map();
    this.audio = null;
    rooms.on('message', ({ room, message }) => {
      if (!message.mine && !message.system) this.bump(`room:${room.room}`);
    });
    directs.on('message', ({ convo, message }) => {
      if (!message.mine) this.bump(`direct:${convo.peer}`);
    });
    directs.on('ended', (convo) => this.clear(`direct:${convo.peer}`));
    router.onChange(() => this.clearViewed());
    doc.addEventListener('visibilitychange', () => this.clearViewed());
  }

  on(type, fn) {
    const listener = (ev) => fn(ev.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  count(key) {
    return this.counts.get(key) || 0;
  }

  /** The total of the keys starting with `prefix` ('room:', 'direct:' or '' for all). */
  total(prefix = '') {
    let n = 0;
    for (const [key, c] of this.counts) if (key.startsWith(prefix)) n += c;
    return n;
  }

  inView(key) {
    return this.doc.visibilityState !== 'hidden' && keyOfView(this.router.current) === key;
  }

  bump(key) {
    if (this.inView(key)) return;
    this.counts.set(key, this.count(key) + 1);
    this.changed();
    this.alert();
  }

  clear(key) {
    if (!this.counts.delete(key)) return;
    this.changed();
  }

  clearViewed() {
    if (this.doc.visibilityState === 'hidden') return;
    const key = keyOfView(this.router.current);
    if (key) this.clear(key);
    else this.applyTitle();
  }

  /** Forget every count (quick exit, locking). */
  reset() {
    this.counts.clear();
    this.changed();
  }

  changed() {
    this.applyTitle();
    this.dispatchEvent(new CustomEvent('change', { detail: this }));
  }

  /** "(n) " before the view's title while something is unread. */
  applyTitle() {
    const base = this.doc.title.replace(TITLE_COUNT, '');
    const n = this.total();
    this.doc.title = n ? `(${n}) ${base}` : base;
  }

  alert() {
    const settings = alertSettings();
    if (settings.sound) this.beep();
    const N = this.doc.defaultView && this.doc.defaultView.Notification;
    if (settings.notify && N && N.permission === 'granted') {
      try {
        // The same tag replaces the last one: a burst of messages shows one notification.
        const note = new N(this.t('notify.text'), { tag: 'iltapiiri-new-message', silent: settings.sound });
        note.onclick = () => { this.doc.defaultView.focus(); note.close(); };
      } catch (err) {
        // Some browsers allow notifications only from a service worker: the count still shows.
      }
    }
  }

  /** A short, quiet tone (made here: no sound file, no request). */
  beep() {
    const win = this.doc.defaultView;
    const Ctx = win && (win.AudioContext || win.webkitAudioContext);
    if (!Ctx) return;
    try {
      this.audio = this.audio || new Ctx();
      const osc = this.audio.createOscillator();
      const gain = this.audio.createGain();
      osc.frequency.value = 660;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(this.audio.destination);
      osc.start();
      osc.stop(this.audio.currentTime + BEEP_MS / 1000);
      this.beeps = (this.beeps || 0) + 1;
    } catch (err) {
      // No audio output: the count still shows.
    }
  }
}

/** Ask the browser for permission to notify; resolves true when it is granted. */
export async function askNotificationPermission(win = window) {
  const N = win.Notification;
  if (!N) return false;
  if (N.permission === 'granted') return true;
  if (N.permission === 'denied') return false;
  try {
    return (await N.requestPermission()) === 'granted';
  } catch (err) {
    return false;
  }
}
