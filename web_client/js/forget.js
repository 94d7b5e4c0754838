/**
 * "Forget this device": everything Iltapiiri keeps in this browser goes at once. The identity
 * and its wrap key, the e2ee state, tonight's sealed messages, the accepted rules, the day
 * counter, muted and blocked names and checked safety numbers (localStorage), and any Cache
 * Storage. Then both IndexedDB databases themselves are deleted. Used by the identity view.
 */

import { forgetIdentity } from './identity/store.js';
import { wipeLocal } from './local.js';

export const DATABASES = Object.freeze(['iltapiiri', 'iltapiiri-e2ee']);
const DELETE_WAIT_MS = 2000; // a database still open elsewhere is deleted when that closes

function deleteDatabase(name) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, DELETE_WAIT_MS);
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = req.onerror = () => { clearTimeout(timer); resolve(); };
  });
}

/** Wipe this device's state (the caller closes the session first and reloads after). */
export async function forgetDevice({ e2ee = null, history = null, publicKey = null } = {}) {
  if (e2ee && e2ee.forgetState && publicKey) await e2ee.forgetState(publicKey).catch(() => {});
  if (history) await history.wipe().catch(() => {});
  await forgetIdentity().catch(() => {});
  wipeLocal();
  if (globalThis.caches) {
    for (const key of await caches.keys().catch(() => [])) await caches.delete(key).catch(() => {});
  }
  for (const name of DATABASES) await deleteDatabase(name);
}
