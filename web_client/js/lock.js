/**
 * The optional device lock (issue 12): a PIN or passphrase the person sets, asked after a quick
 * exit and after N minutes away, before the page shows anything of theirs (name, day counter,
 * messages). Nothing of it leaves the device.
 *
 * Kept in localStorage under `lock` (the secret itself never is):
 *   {v: 1, kdf: 'PBKDF2-SHA256', iterations, salt (16 bytes, base64), verifier (32 bytes,
 *    base64) = PBKDF2-SHA256(secret, salt, iterations), minutes}
 * and under `lock.state`: {locked, fails, until, seen} — locked by a quick exit or by time away,
 * the wrong tries so far and when the next try is allowed (a reload does not reset them), and
 * when the page was last in use.
 *
 * What it is for: someone picking up the phone or laptop does not see the person's name, days
 * or chats. What it is not: protection against someone who copies the browser's storage (a
 * short PIN can be tried offline against the verifier); the identity and messages stay sealed
 * under the device key as before. "Forget this device" is the way out of a forgotten PIN.
 */

import { b64decode, b64encode, constantTimeEqual, randomBytes, utf8 } from './crypto/primitives.js';
import { loadValue, saveValue } from './local.js';

export const LOCK_KEY = 'lock';
export const LOCK_STATE_KEY = 'lock.state';
export const LOCK_MINUTES = Object.freeze([5, 15, 60]);
export const LOCK_DEFAULT_MINUTES = 15;
export const LOCK_ITERATIONS = 310000; // PBKDF2-SHA256 (OWASP 2023); about 0.3 s on a phone
export const MIN_SECRET_CHARS = 4;
export const MAX_SECRET_CHARS = 256;
export const FREE_TRIES = 2; // wrong tries before the wait starts
export const MAX_DELAY_MS = 5 * 60 * 1000;

/** The wait after `fails` wrong tries: none for the first two, then 2 s, 4 s, 8 s ... 5 min. */
export function lockDelayMs(fails) {
  if (fails <= FREE_TRIES) return 0;
  return Math.min(MAX_DELAY_MS, 1000 * 2 ** (fails - FREE_TRIES));
}

async function derive(secret, salt, iterations) {
  const key = await crypto.subtle.importKey('raw', utf8(secret), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** The lock's settings, or null when there is none. */
export function lockConfig() {
  const c = loadValue(LOCK_KEY, null);
  return c && c.v === 1 && typeof c.verifier === 'string' && typeof c.salt === 'string' ? c : null;
}

function state() {
  const s = loadValue(LOCK_STATE_KEY, {}) || {};
  return { locked: s.locked === true, fails: Number(s.fails) || 0, until: Number(s.until) || 0,
    seen: Number(s.seen) || 0 };
}

function setState(next) {
  saveValue(LOCK_STATE_KEY, { ...state(), ...next });
}

/** A valid secret: 4..256 characters (a PIN of digits or a passphrase). */
export function secretProblem(secret) {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_CHARS) return 'short';
  if (secret.length > MAX_SECRET_CHARS) return 'long';
  return null;
}

/** Set (or change) the lock. */
export async function setLock(secret, minutes = LOCK_DEFAULT_MINUTES, now = Date.now()) {
  if (secretProblem(secret)) throw Object.assign(new Error('bad secret'), { code: secretProblem(secret) });
  const salt = randomBytes(16);
  const verifier = await derive(secret, salt, LOCK_ITERATIONS);
  saveValue(LOCK_KEY, { v: 1, kdf: 'PBKDF2-SHA256', iterations: LOCK_ITERATIONS, salt: b64encode(salt),
    verifier: b64encode(verifier), minutes: LOCK_MINUTES.includes(minutes) ? minutes : LOCK_DEFAULT_MINUTES });
  saveValue(LOCK_STATE_KEY, { locked: false, fails: 0, until: 0, seen: now });
}

export function setLockMinutes(minutes) {
  const c = lockConfig();
  if (c && LOCK_MINUTES.includes(minutes)) saveValue(LOCK_KEY, { ...c, minutes });
}

export function removeLock() {
  saveValue(LOCK_KEY, null);
  saveValue(LOCK_STATE_KEY, null);
}

/** True when the page must ask for the secret before showing anything personal. */
export function isLocked(now = Date.now()) {
  const c = lockConfig();
  if (!c) return false;
  const s = state();
  return s.locked || (s.seen > 0 && now - s.seen > c.minutes * 60000);
}

/** Lock now (quick exit, or time away noticed while the page is open). */
export function lockNow() {
  if (lockConfig()) setState({ locked: true });
}

/** The page is in use: time away counts from now. */
export function touch(now = Date.now()) {
  if (lockConfig() && !state().locked) setState({ seen: now });
}

/** Milliseconds until the next try is allowed (0: now). */
export function waitLeft(now = Date.now()) {
  return Math.max(0, state().until - now);
}

/**
 * Try `secret`: {ok: true} unlocks; {ok: false, wait} is a wrong secret (or a try too soon:
 * {ok: false, wait, early: true}, not counted); `wait` is ms until the next try.
 */
export async function tryUnlock(secret, now = () => Date.now()) {
  const c = lockConfig();
  if (!c) return { ok: true };
  const early = waitLeft(now());
  if (early) return { ok: false, wait: early, early: true };
  const got = await derive(String(secret), b64decode(c.salt), c.iterations);
  if (constantTimeEqual(got, b64decode(c.verifier))) {
    setState({ locked: false, fails: 0, until: 0, seen: now() });
    return { ok: true };
  }
  const fails = state().fails + 1;
  const wait = lockDelayMs(fails);
  setState({ fails, until: now() + wait });
  return { ok: false, wait };
}
