/**
 * The one send path for chat text, and the receive path for envelopes.
 *
 * Plaintext leaves the page only through the end-to-end encryption engine installed here
 * (web_client/js/e2ee/index.js, see web_client/README.md "The e2ee seam"). Until an engine is
 * installed and ready, sending refuses with `encryption_not_ready` and puts nothing on the wire:
 * there is no plaintext fallback, by design. One Messaging per page, made by the composition
 * root (app.js) and handed to rooms, conversations and views as `ctx.messaging`.
 */

// What every receiving client enforces (TextContent, docs/crypto.md section 3): UTF-8 bytes, so
// an emoji counts 4 and "ä" 2. There is no limit in characters: nothing is cut to fit.
export const MAX_TEXT_BYTES = 8192;

/** The size of `text` as the limit counts it (UTF-8 bytes). */
export function textBytes(text) {
  return new TextEncoder().encode(text).length;
}

/** The 1:1 control actions; the e2ee engine maps them to ControlContent actions `dm_<action>`
 * (docs/crypto.md section 3) and back. */
export const DIRECT_ACTIONS = Object.freeze(['request', 'accept', 'decline', 'end']);

export class SendError extends Error {
  constructor(code) {
    super(code);
    this.name = 'SendError';
    this.code = code;
  }
}

function checkText(text) {
  if (typeof text !== 'string' || !text.trim()) throw new SendError('empty');
  if (textBytes(text) > MAX_TEXT_BYTES) {
    throw new SendError('too_large');
  }
}

export class Messaging {
  constructor() {
    this.engine = null;
  }

  /** Called by app.js with the e2ee port's createE2ee() result; `null` uninstalls (quick exit,
   * tests). */
  install(e2ee) {
    this.engine = e2ee;
  }

  /** True when messages can be sent end to end. */
  encryptionReady() {
    return Boolean(this.engine && this.engine.ready !== false);
  }

  /** Encrypt and send `text` to a group room. Resolves {seq, ts} from the relay. */
  async sendGroupText(room, text) {
    checkText(text);
    if (!this.encryptionReady()) throw new SendError('encryption_not_ready');
    return this.engine.sendGroupText(room, text);
  }

  /** Encrypt and send `text` one to one. Resolves {id, ts} from the relay. */
  async sendDirectText(pseudonym, text) {
    checkText(text);
    if (!this.encryptionReady()) throw new SendError('encryption_not_ready');
    return this.engine.sendDirectText(pseudonym, text);
  }

  /** Ask, accept or decline a 1:1 conversation (a control message, also end to end). */
  async sendDirectControl(pseudonym, action) {
    if (!DIRECT_ACTIONS.includes(action)) throw new SendError('bad_action');
    if (!this.encryptionReady()) throw new SendError('encryption_not_ready');
    return this.engine.sendDirectControl(pseudonym, action);
  }

  /** An application control (`emergency_share`) with its data bytes, one to one and end to
   * end; the engine refuses actions it does not carry for the application. */
  async sendDirectAppControl(pseudonym, action, data) {
    if (!this.encryptionReady()) throw new SendError('encryption_not_ready');
    if (!this.engine.sendDirectAppControl) throw new SendError('bad_action');
    return this.engine.sendDirectAppControl(pseudonym, action, data);
  }

  /**
   * Open a room envelope. Resolves {text, franking} or null when it cannot be read (yet):
   * the view shows a placeholder, never the ciphertext.
   */
  async openRoomEnvelope(envelope) {
    if (!this.encryptionReady()) return null;
    try {
      return await this.engine.openRoomEnvelope(envelope);
    } catch (err) {
      return null;
    }
  }

  /** Open a direct envelope: {type: 'text'|'control'|'key'|'undecryptable', text?, action?,
   * franking?}, or null when it cannot be read now (it stays in the inbox). */
  async openDirectEnvelope(envelope) {
    if (!this.encryptionReady()) return null;
    try {
      return await this.engine.openDirectEnvelope(envelope);
    } catch (err) {
      return null;
    }
  }

  /** Tell the engine about a (server-signed) membership change so it can rotate keys. */
  async membershipChanged(membership) {
    if (this.engine && this.engine.onMembership) await this.engine.onMembership(membership);
  }

  /** The safety number between two identity keys (digits), or null while there is no engine. */
  async safetyNumber(myKey, theirKey) {
    if (!this.engine || !this.engine.safetyNumber) return null;
    return this.engine.safetyNumber(myKey, theirKey);
  }

  /**
   * Report a message to the moderators with its franking data (kept with every message).
   * The report channel arrives with the moderation work; until then this refuses kindly.
   */
  async reportMessage(record, reason) {
    if (!this.engine || !this.engine.reportMessage) throw new SendError('report_not_ready');
    return this.engine.reportMessage(record, reason);
  }
}
