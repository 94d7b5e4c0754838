/**
 * The message composer shared by group and 1:1 chat. Before anything is sent it asks the
 * detector, on this device: a crisis shows private help first, personal details ask "send
 * anyway?". Nothing here is visible to anyone but the writer.
 */

import { h, field } from '../dom.js';
import { MAX_TEXT_BYTES, textBytes } from '../messaging.js';
import { check, gate } from '../safety/detector-hook.js';

const TYPING_CHECK_MS = 700;

// Half-written replies by room or peer: a redraw of the view (a language switch) puts the draft,
// and where the caret was, back. A group's draft is also kept sealed with tonight's messages
// (js/history.js, through onDraft/putDraft) so that a reload keeps it; a 1:1 draft is not.
const drafts = new Map();
const draftListeners = new Set();
// The composers drawn per draft key, so that a send finishing after a redraw clears the composer
// now on screen (the old one is detached) instead of leaving the sent words there to be sent again.
const drawn = new Map();

function composersOf(key) {
  const live = [...(drawn.get(key) || [])].filter((c) => c.input.isConnected);
  drawn.set(key, new Set(live));
  return live;
}

/** Forget a draft (leaving a room). */
export function forgetDraft(key) {
  drafts.delete(key);
  drawn.delete(key);
}

/** The draft under `key` ('' when none). */
export function draftOf(key) {
  const d = drafts.get(key);
  return d ? d.value : '';
}

/** Put back a draft kept across a reload (before the composer is drawn). */
export function putDraft(key, value) {
  if (value) drafts.set(key, { value, start: value.length, end: value.length });
}

/** `fn(key)` after every change of a draft; returns the unsubscribe function. */
export function onDraft(fn) {
  draftListeners.add(fn);
  return () => draftListeners.delete(fn);
}

/**
 * composer(ctx, {label, send(text) -> Promise, draftKey, onTyping()}) -> {node, focus(), setDisabled(bool)}
 * `send` rejects with {code}; known codes are shown kindly. With `draftKey` the unsent text
 * survives a redraw of the view.
 */
export function composer(ctx, { label, send, draftKey = null, onTyping = null }) {
  const { t } = ctx;
  // No maxlength: it would cut a paste silently (and counts UTF-16 units, not what the limit
  // counts). The counter says the size before sending; too long is refused, never trimmed.
  const text = field(label, { multiline: true, rows: 2, name: 'message', class: 'composer-input' });
  const notice = h('div', { class: 'notice private', role: 'status', hidden: true });
  const counter = h('span', { class: 'counter muted', id: `${text.input.id}-size` });
  text.input.setAttribute('aria-describedby', counter.id);
  const sendButton = h('button', { type: 'submit', class: 'primary', text: t('chat.send') });
  let confirmed = { help: false, personal: false };
  let typingTimer = null;
  const saveDraft = () => {
    if (!draftKey) return;
    const el = text.input;
    const before = draftOf(draftKey);
    if (el.value) drafts.set(draftKey, { value: el.value, start: el.selectionStart, end: el.selectionEnd });
    else drafts.delete(draftKey);
    if (before !== el.value) draftListeners.forEach((fn) => fn(draftKey));
  };
  const draft = draftKey && drafts.get(draftKey);
  if (draft) {
    text.input.value = draft.value;
    text.input.setSelectionRange(draft.start, draft.end);
  }
  text.input.addEventListener('select', saveDraft);
  text.input.addEventListener('keyup', saveDraft);
  text.input.addEventListener('blur', saveDraft);

  const showNotice = (...children) => {
    notice.setAttribute('role', 'status');
    notice.replaceChildren(h('p', { class: 'private-tag', text: t('help.only_you') }), ...children);
    notice.hidden = false;
    notice.scrollIntoView({ block: 'nearest' });
  };
  const hideNotice = () => {
    notice.hidden = true;
    notice.replaceChildren();
  };

  const doSend = async () => {
    const value = text.input.value;
    sendButton.disabled = true;
    try {
      await send(value);
      // Clear only what was sent: words typed while the send was in flight stay in the composer.
      // The view may have been redrawn meanwhile (a language switch): clear the composer drawn
      // now for this draft too, and the kept draft, when they still hold exactly these words.
      const shown = draftKey ? composersOf(draftKey) : [];
      if (!shown.some((c) => c.input === text.input)) shown.push(self);
      shown.forEach((c) => c.sent(value));
      if (draftKey && draftOf(draftKey) === value) {
        drafts.delete(draftKey);
        draftListeners.forEach((fn) => fn(draftKey));
      }
    } catch (err) {
      const code = err && err.code;
      const key = {
        encryption_not_ready: 'chat.encryption_not_ready', too_large: 'error.too_large',
        rate_limited: 'error.rate_limited', offline: 'error.offline', disconnected: 'error.offline',
        not_in_room: 'chat.not_in_room', room_not_open: 'chat.room_not_open',
      }[code] || 'error.generic';
      // Refused by a sanction in force (muted, read-only, slow mode...): say why and until when.
      if (err && err.notice && ctx.notices) {
        const words = await ctx.notices.describe(err.notice);
        showNotice(h('p', { class: 'refusal', text: words || t(key) }));
      } else showNotice(h('p', { text: t(key) }));
    } finally {
      sendButton.disabled = false;
    }
  };

  // A prompt waiting for the writer's explicit choice ('help' or 'personal'): while it waits,
  // Enter does not send (it points at the prompt); only "Send anyway" does, or editing the text.
  let pending = null;
  const focusPrompt = () => {
    const why = notice.querySelector('.prompt-why');
    notice.scrollIntoView({ block: 'nearest' });
    if (why) why.focus({ preventScroll: true });
  };
  const choice = (kind, verdict, whyKey, otherKey) => {
    pending = kind;
    showNotice(
      h('p', { class: 'prompt-why', tabindex: '-1', text: t(whyKey) }),
      h('p', { class: 'prompt-unsent', text: t('composer.unsent') }),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', 'data-focus-key': 'send-anyway',
          text: t('composer.send_anyway'),
          onclick: () => { confirmed[kind] = true; pending = null; decide(verdict); } }),
        h('button', { type: 'button', class: 'link', 'data-focus-key': 'keep-writing', text: t(otherKey),
          onclick: () => { pending = null; hideNotice(); text.input.focus(); } })));
    notice.setAttribute('role', 'alert');
  };

  const decide = (verdict) => {
    if (verdict.help && !confirmed.help) {
      choice('help', verdict, 'composer.help_first', 'composer.keep_writing');
      const dialog = ctx.openHelp({ reason: 'detector', severity: verdict.severity,
        categories: verdict.categories });
      // Back from the help panel: the eye and the focus land on why the text is still here.
      if (dialog && dialog.addEventListener) {
        dialog.addEventListener('close', () => setTimeout(focusPrompt, 0));
      }
      return;
    }
    if (verdict.personal && !confirmed.personal) {
      choice('personal', verdict, 'composer.personal_data', 'composer.edit');
      focusPrompt();
      return;
    }
    doSend();
  };

  const submit = async (ev) => {
    ev.preventDefault();
    const value = text.input.value;
    if (!value.trim()) return;
    if (textBytes(value) > MAX_TEXT_BYTES) {
      showNotice(h('p', { text: t('composer.too_long', { n: textBytes(value), max: MAX_TEXT_BYTES }) }));
      return;
    }
    if (pending) {
      focusPrompt();
      return;
    }
    decide(gate(await check(value, ctx.lang())));
  };

  const updateCounter = () => {
    const n = textBytes(text.input.value);
    const over = n > MAX_TEXT_BYTES;
    counter.textContent = n > MAX_TEXT_BYTES * 0.8 ? t('composer.size', { n, max: MAX_TEXT_BYTES }) : '';
    counter.classList.toggle('over', over);
    if (over) text.input.setAttribute('aria-invalid', 'true');
    else text.input.removeAttribute('aria-invalid');
  };

  text.input.addEventListener('input', () => {
    if (onTyping && text.input.value) onTyping(); // content-free: the caller says only "typing"
    saveDraft();
    updateCounter();
    confirmed = { help: false, personal: false };
    if (pending) {
      pending = null; // the text changed: the next Enter checks it again
      hideNotice();
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(async () => {
      const verdict = gate(await check(text.input.value, ctx.lang()));
      if (verdict.help && !pending) {
        showNotice(h('p', { text: t('composer.typing_help') }),
          h('button', { type: 'button', class: 'secondary', text: t('help.open'),
            onclick: () => ctx.openHelp({ reason: 'detector', severity: verdict.severity,
              categories: verdict.categories }) }));
      }
    }, TYPING_CHECK_MS);
  });
  // Enter sends, Shift+Enter makes a new line (the usual chat habit); the button works too.
  text.input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) submit(ev);
  });

  updateCounter();
  // The prompt sits above the text, where the eye is (not under it, below the fold).
  const node = h('form', { class: 'composer', onsubmit: submit },
    notice, text.wrap, h('div', { class: 'row composer-actions' }, counter, sendButton));
  const self = {
    input: text.input,
    sent: (value) => {
      if (text.input.value === value) text.input.value = '';
      confirmed = { help: false, personal: false };
      hideNotice();
      updateCounter();
    },
  };
  if (draftKey) {
    if (!drawn.has(draftKey)) drawn.set(draftKey, new Set());
    drawn.get(draftKey).add(self);
  }
  return {
    node,
    focus: () => text.input.focus(),
    setDisabled: (on) => { text.input.disabled = on; sendButton.disabled = on; },
    input: text.input,
  };
}
