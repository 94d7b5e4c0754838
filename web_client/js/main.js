/** Boots the page: the composition root (app.js) builds and wires everything, then starts. */

import { createApp } from './app.js';

const app = createApp();
// No global: the session and the engine (chain keys included) are reachable from no page
// script. A browser test installs window.__iltapiiriDiagnostics with page.add_init_script
// (before any page script); the shipped page never defines it. A script that could run that
// early in this origin could replace WebCrypto itself, so the hook gives it nothing more.
const diagnostics = globalThis.__iltapiiriDiagnostics;
if (typeof diagnostics === 'function') diagnostics(app.ctx);
app.start();
