/** selftest.html: show the built-in primitive checks for this browser. */
import { builtinChecks } from './selftest.js';

const list = document.getElementById('results');
builtinChecks().then((results) => {
  for (const r of results) {
    const li = document.createElement('li');
    li.textContent = `${r.ok ? 'pass' : 'FAIL'} · ${r.name}`;
    list.append(li);
  }
  document.body.dataset.done = results.every((r) => r.ok) ? 'pass' : 'fail';
});
