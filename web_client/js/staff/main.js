/**
 * Boots the staff page (staff.html): the staff sign-in over HTTP first, then the same app as the
 * peers' (createApp, entry 'staff'), whose socket sign-in carries the staff cookie, so the relay
 * knows the connection as the account's role; app.js then loads the console (mountStaff).
 * Signing out ends the HTTP session and the connection, and shows the sign-in again.
 */

import { createApp } from '../app.js';
import { detectLanguage, setLanguage, t } from '../i18n.js';
import { whoAmI } from './api.js';
import { showSignIn } from './signin.js';
import { installStaffStrings } from './strings.js';

installStaffStrings();
setLanguage(detectLanguage(), false);
const main = document.getElementById('main');

async function boot() {
  const me = await whoAmI();
  if (!me.body.ok) {
    const reason = me.body.error === 'session_expired' ? 'session_expired' : null;
    await showSignIn(main, t, { reason });
  }
  const app = createApp({ entry: 'staff' });
  const diagnostics = globalThis.__iltapiiriDiagnostics; // tests only, as in js/main.js
  if (typeof diagnostics === 'function') diagnostics(app.ctx);
  await app.start();
}

boot();
