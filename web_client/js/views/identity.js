/**
 * This device's identity: see it, save a passphrase-protected copy, restore one, or start fresh.
 */

import { h, field } from '../dom.js';
import { bytesToHex } from '../crypto/primitives.js';
import { formatDay } from '../i18n.js';
import { exportIdentity, importIdentity, MIN_PASSPHRASE_CHARS } from '../identity/backup.js';
import { eraseOnServer } from '../identity/erase.js';
import { rememberOrigin } from '../identity/store.js';

/** How this device got its identity: made here, or restored (with or without the keys). */
export function deviceState(ctx, identity) {
  const { t } = ctx;
  const origin = identity.origin || { kind: 'created' };
  const when = origin.kind === 'restored' ? origin.at : identity.createdAt;
  const day = when && !Number.isNaN(Date.parse(when)) ? formatDay(new Date(when)) : '';
  const key = origin.kind !== 'restored' ? 'identity.device_created'
    : origin.keys ? 'identity.device_restored_keys' : 'identity.device_restored_no_keys';
  const state = origin.kind !== 'restored' ? 'created' : origin.keys ? 'restored' : 'restored-without-keys';
  return h('p', { class: 'device-state', 'data-origin': state, text: t(key, { day }) });
}

/**
 * Put a backup's encryption state in place for the identity just restored. True when the
 * device now holds the keys the file carried (or already had its own for this identity).
 */
async function restoreKeys(ctx, identity) {
  if (!identity.restoredExtra || !ctx.e2ee || !ctx.e2ee.importState) return false;
  try {
    return ['restored', 'kept'].includes(await ctx.e2ee.importState(identity.restoredExtra));
  } catch (err) {
    return false; // a damaged or foreign state: the identity alone is restored, keys are new
  }
}

function download(name, text) {
  // A blob: URL of this origin; nothing leaves the device.
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = h('a', { href: url, download: name, class: 'visually-hidden' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function exportForm(ctx) {
  const { t } = ctx;
  const p1 = field(t('identity.passphrase'), { type: 'password', autocomplete: 'new-password',
    minlength: MIN_PASSPHRASE_CHARS, name: 'passphrase' }, t('identity.passphrase_hint', { n: MIN_PASSPHRASE_CHARS }));
  const p2 = field(t('identity.passphrase_again'), { type: 'password', autocomplete: 'new-password', name: 'passphrase2' });
  const status = h('p', { role: 'status' });
  const submit = async (ev) => {
    ev.preventDefault();
    if (p1.input.value !== p2.input.value) {
      status.textContent = t('identity.mismatch');
      return;
    }
    status.textContent = t('identity.working');
    try {
      const e2ee = ctx.e2ee;
      const extra = e2ee && e2ee.exportState ? await e2ee.exportState() : null;
      const text = await exportIdentity(ctx.session.identity, p1.input.value, { extra });
      ctx.lastExport = text; // kept for this page only, so tests and the person can re-save it
      download('iltapiiri-identity.json', text);
      status.textContent = t(extra ? 'identity.exported_keys' : 'identity.exported_no_keys');
    } catch (err) {
      const code = err && err.code;
      status.textContent = t({ passphrase_short: 'identity.passphrase_short', too_large: 'identity.too_large' }[code]
        || 'error.generic', { n: MIN_PASSPHRASE_CHARS });
    }
    p1.input.value = '';
    p2.input.value = '';
  };
  return h('form', { class: 'card stack', onsubmit: submit, 'aria-labelledby': 'export-title' },
    h('h2', { id: 'export-title', text: t('identity.export_title') }),
    h('p', { text: t('identity.export_lead') }),
    p1.wrap, p2.wrap, status,
    h('button', { type: 'submit', class: 'primary', text: t('identity.export') }));
}

function importForm(ctx) {
  const { t } = ctx;
  const file = field(t('identity.file'), { type: 'file', accept: 'application/json,.json', name: 'file' });
  const pass = field(t('identity.passphrase'), { type: 'password', autocomplete: 'current-password', name: 'passphrase' });
  const status = h('p', { role: 'status' });
  const submit = async (ev) => {
    ev.preventDefault();
    const f = file.input.files && file.input.files[0];
    if (!f) {
      status.textContent = t('identity.choose_file');
      return;
    }
    status.textContent = t('identity.working');
    try {
      const identity = await importIdentity(await f.text(), pass.input.value);
      ctx.session.identity = identity;
      const keys = await restoreKeys(ctx, identity);
      await rememberOrigin(identity, { ...identity.origin, keys });
      status.textContent = t('identity.imported');
      await ctx.session.signIn(undefined);
      // Said once on the next view: this device is a restored one, and what that means.
      ctx.deviceNotice = keys ? 'identity.restored_keys' : 'identity.restored_no_keys';
      ctx.afterSignIn();
    } catch (err) {
      const code = err && err.code;
      status.textContent = t(['wrong_passphrase', 'bad_file', 'unsupported_version'].includes(code)
        ? `identity.${code}` : code === 'too_many_connections' ? 'error.too_many_connections' : 'error.generic');
    }
    pass.input.value = '';
  };
  return h('form', { class: 'card stack', onsubmit: submit, 'aria-labelledby': 'import-title' },
    h('h2', { id: 'import-title', text: t('identity.import_title') }),
    h('p', { text: t('identity.import_lead') }),
    file.wrap, pass.wrap, status,
    h('button', { type: 'submit', class: 'primary', text: t('identity.import') }));
}

/** Erase my pseudonym on the server too, then everything on this device (a confirm step). */
function eraseCard(ctx, id) {
  const { t } = ctx;
  const status = h('p', { class: 'muted small', role: 'status' });
  return h('div', { class: 'card stack' },
    h('h2', { text: t('identity.erase_title') }),
    h('p', { text: t('identity.erase_lead') }),
    h('button', { type: 'button', class: 'danger erase', text: t('identity.erase'),
      onclick: async () => {
        if (!window.confirm(t('identity.erase_confirm', { name: id.pseudonym || '—' }))) return;
        try {
          await eraseOnServer(ctx.session, id);
        } catch (err) {
          status.textContent = t('identity.erase_failed', { code: (err && err.code) || 'internal' });
          return;
        }
        ctx.session.close();
        await ctx.forgetDevice(id.publicKey);
        window.location.reload();
      } }),
    status);
}

export default {
  name: 'identity',
  title: (t) => t('identity.title'),
  render(ctx, { restore } = {}) {
    const { t } = ctx;
    const id = ctx.session.identity;
    const fingerprint = id ? bytesToHex(id.publicKey).match(/.{4}/g).slice(0, 8).join(' ') : '';
    return h('section', { class: 'view identity' },
      h('h1', { text: t('identity.title') }),
      id && !restore ? h('div', { class: 'card' },
        h('p', { text: t('identity.you_are', { name: id.pseudonym || '—' }) }),
        h('p', { class: 'muted small' }, t('identity.key'), ' ', h('code', { text: fingerprint })),
        deviceState(ctx, id),
        h('p', { text: t('identity.device_only') })) : null,
      id && !restore ? exportForm(ctx) : null,
      importForm(ctx),
      id && !restore ? h('div', { class: 'card stack' },
        h('h2', { text: t('identity.forget_title') }),
        h('p', { text: t('identity.forget_lead') }),
        h('button', { type: 'button', class: 'danger', text: t('identity.forget'),
          onclick: async () => {
            if (!window.confirm(t('identity.forget_confirm'))) return;
            ctx.session.close();
            // Everything this device keeps goes (forget.js): the identity, its encryption keys
            // and sessions (a later restore must not meet stale keys), tonight's messages, the
            // day counter and every setting.
            await ctx.forgetDevice(id.publicKey);
            window.location.reload();
          } })) : null,
      id && !restore ? eraseCard(ctx, id) : null,
      restore ? h('button', { type: 'button', class: 'secondary', text: t('common.back'),
        onclick: () => ctx.router.show('welcome') }) : null);
  },
};
