/**
 * Small settings that stay on this device only (localStorage): the day counter, who I have
 * muted or blocked, safety numbers I have checked. Nothing here is ever sent to the server.
 */

const PREFIX = 'iltapiiri.';

export function loadValue(name, fallback = null) {
  try {
    const raw = localStorage.getItem(PREFIX + name);
    return raw === null ? fallback : JSON.parse(raw);
  } catch (err) {
    return fallback;
  }
}

export function saveValue(name, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(PREFIX + name);
    else localStorage.setItem(PREFIX + name, JSON.stringify(value));
  } catch (err) {
    // Private mode or full storage: the setting lives until the page closes.
  }
}

export function loadList(name) {
  const v = loadValue(name, []);
  return Array.isArray(v) ? v : [];
}

export function toggleInList(name, item, on) {
  const list = loadList(name).filter((x) => x !== item);
  if (on) list.push(item);
  saveValue(name, list);
  return list;
}

/** Every setting of this app in localStorage and sessionStorage ("forget this device"). */
export function wipeLocal() {
  for (const store of [globalThis.localStorage, globalThis.sessionStorage]) {
    try {
      for (const key of Object.keys(store)) if (key.startsWith(PREFIX)) store.removeItem(key);
    } catch (err) {
      // Storage unavailable: nothing was kept there either.
    }
  }
}
