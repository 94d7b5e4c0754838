/**
 * Quick exit: one button, or Escape pressed twice quickly. It closes the connection, empties the
 * page, forgets this tab's session state, and replaces the location with a neutral page of the
 * same origin (so leaving makes no request to anyone else, and Back does not return to the chat).
 */

export const NEUTRAL_PAGE = 'away.html';
export const DOUBLE_PRESS_MS = 800;

/** Leave now. `beforeLeave` closes sockets and the like; it must not throw or wait. */
export function quickExit(beforeLeave = () => {}) {
  try {
    beforeLeave();
  } catch (err) {
    // leaving matters more than tidying up
  }
  document.title = '';
  document.body.replaceChildren();
  try {
    sessionStorage.clear();
  } catch (err) {
    // storage may be blocked; nothing was kept there then
  }
  // Overwrite this entry's state so a restored tab comes back empty, then replace the entry.
  history.replaceState(null, '', NEUTRAL_PAGE);
  location.replace(new URL(NEUTRAL_PAGE, location.href).href);
}

/** Escape twice within DOUBLE_PRESS_MS leaves. Returns a function that removes the listener. */
export function installQuickExitKey(onExit, now = () => performance.now()) {
  let last = -Infinity;
  const listener = (ev) => {
    if (ev.key !== 'Escape') return;
    const at = now();
    if (at - last <= DOUBLE_PRESS_MS) {
      ev.preventDefault();
      onExit();
    }
    last = at;
  };
  // Capture phase: a dialog that eats the first Escape must not hide the second from us.
  window.addEventListener('keydown', listener, true);
  return () => window.removeEventListener('keydown', listener, true);
}
