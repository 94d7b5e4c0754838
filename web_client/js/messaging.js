/**
 * The one send path for chat text, and the receive path for envelopes.
 *
 * Plaintext leaves this module only through the end-to-end encryption engine that the crypto
 * port installs (web_client/js/e2ee/index.js, see web_client/README.md "The e2ee contract").
 * Until an engine is installed and ready, sending refuses with `encryption_not_ready` and puts
 * nothing on the wire: there is no plaintext fallback, by design.
 */

export const MAX_TEXT_CHARS = 4000;
export const MAX_TEXT_BYTES = 8192; // TextContent limit in docs/crypto.md section 3 (UTF-8 bytes)

let engine = null;

/** Called once by the e2ee port's createE2ee(); `null` uninstalls (quick exit, tests). */
export function installE2ee(e2ee) {
  engine = e2ee;
}

/** True when messages can be sent end to end. */
export function encryptionReady() {
  return Boolean(engine && engine.ready !== false);
}

export class SendError extends Error {
  constructor(code) {
    super(code);
    this.name = 'SendError';
    this.code = code;
  }
}

function checkText(text) {
  if (typeof text !== 'string' || !text.trim()) throw new SendError('empty');
  if (text.length > MAX_TEXT_CHARS || new TextEncoder().encode(text).length > MAX_TEXT_BYTES) {
    throw new SendError('too_large');
  }
}

/** Encrypt and send `text` to a group room. Resolves {seq, ts} from the relay. */
export async function sendGroupText(room, text) {
  checkText(text);
  if (!encryptionReady()) throw new SendError('encryption_not_ready');
  return engine.sendGroupText(room, text);
}

/** Encrypt and send `text` one to one. Resolves {id, ts} from the relay. */
export async function sendDirectText(pseudonym, text) {
  checkText(text);
  if (!encryptionReady()) throw new SendError('encryption_not_ready');
  return engine.sendDirectText(pseudonym, text);
}

/** The 1:1 control actions; the e2ee engine maps them to ControlContent actions `dm_<action>`
 * (docs/crypto.md section 3) and back. */
export const DIRECT_ACTIONS = Object.freeze(['request', 'accept', 'decline', 'end']);

/** Ask, accept or decline a 1:1 conversation (a control message, also end to end). */
export async function sendDirectControl(pseudonym, action) {
  if (!DIRECT_ACTIONS.includes(action)) throw new SendError('bad_action');
  if (!encryptionReady()) throw new SendError('encryption_not_ready');
  return engine.sendDirectControl(pseudonym, action);
}

/**
 * Open a room envelope. Resolves {text, franking} or null when it cannot be read (yet):
 * the view shows a placeholder, never the ciphertext.
 */
export async function openRoomEnvelope(envelope) {
  if (!encryptionReady()) return null;
  try {
    return await engine.openRoomEnvelope(envelope);
  } catch (err) {
    return null;
  }
}

/** Open a direct envelope: {type: 'text'|'control'|'key'|'undecryptable', text?, action?,
 * franking?}, or null when it cannot be read now (it stays in the inbox). */
export async function openDirectEnvelope(envelope) {
  if (!encryptionReady()) return null;
  try {
    return await engine.openDirectEnvelope(envelope);
  } catch (err) {
    return null;
  }
}

/** Tell the engine about a (server-signed) membership change so it can rotate keys. */
export async function membershipChanged(membership) {
  if (engine && engine.onMembership) await engine.onMembership(membership);
}

/** The safety number between two identity keys (digits), or null before the port lands. */
export async function safetyNumber(myKey, theirKey) {
  if (!engine || !engine.safetyNumber) return null;
  return engine.safetyNumber(myKey, theirKey);
}

/**
 * Report a message to the moderators with its franking data (kept with every message).
 * The report channel arrives with the moderation work; until then this refuses kindly.
 */
export async function reportMessage(record, reason) {
  if (!engine || !engine.reportMessage) throw new SendError('report_not_ready');
  return engine.reportMessage(record, reason);
}
