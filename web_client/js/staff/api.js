/**
 * The staff HTTP endpoints (docs/protocol.md, "Staff sign-in"). The session token is an HttpOnly
 * cookie: this module never sees it, the browser sends it. Every call resolves
 * `{status, body}`; a network failure resolves status 0 with `error: 'offline'`.
 */

async function call(method, path, body = null) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== null) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    const resp = await fetch(path, init);
    let data = {};
    try {
      data = await resp.json();
    } catch (err) {
      data = { ok: false, error: 'internal' };
    }
    return { status: resp.status, body: data };
  } catch (err) {
    return { status: 0, body: { ok: false, error: 'offline' } };
  }
}

/** Password, then (when asked) the 6-digit code. */
export const login = (username, password, totp) => call('POST', '/api/staff/login',
  totp ? { username, password, totp } : { username, password });
export const logout = () => call('POST', '/api/staff/logout', {});
export const whoAmI = () => call('GET', '/api/staff/session');
/** Who signed in, the load cap in force and the reason list ({code: {fi, sv, en}}). */
export const consoleStart = () => call('GET', '/api/staff/console');
