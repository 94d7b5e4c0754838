/**
 * Flags: what a client tells the relay about a group message the detector rates level 2 or
 * more. Metadata only (room, message id = the relay's seq, level, categories, rule ids, and for
 * a moderator's flag the writer): never the text (ARCHITECTURE section 1). One builder for both
 * sources, as client/moderation.py `flag_payload` in Python:
 *
 *   source "self"       my own message, after the relay acknowledged it (outbox.js)
 *   source "moderator"  a message a moderator's console decrypted (staff/desk.js)
 */

import { check } from './detector-hook.js';

export const FLAG_MIN_SEVERITY = 2; // as moderation/flags.py: below this nothing is flagged
export const MAX_RULE_IDS = 32;

/** The flag for a verdict, or null (below level 2, or nothing to flag). */
export function flagPayload(verdict, { room, messageId, source, pseudonym }) {
  if (verdict.severity < FLAG_MIN_SEVERITY || !verdict.categories.length) return null;
  const rules = [...new Set(verdict.matches.map((m) => m && m.rule).filter(Boolean))].sort();
  const payload = { room, message_id: String(messageId), source, severity: verdict.severity,
    categories: [...verdict.categories].sort(), rule_ids: rules.slice(0, MAX_RULE_IDS) };
  if (pseudonym !== undefined) payload.pseudonym = pseudonym;
  return payload;
}

/**
 * After my group send was acknowledged (`reply.seq`): flag it myself at level 2 and above.
 * Resolves the relay's answer, or null when nothing was sent. The help the writer saw before
 * sending is the composer's; this only lets the room's moderators know, without the text.
 */
export async function flagOwnMessage(request, room, text, reply, lang = null) {
  if (!reply || reply.seq == null) return null;
  const payload = flagPayload(await check(text, lang), { room, messageId: reply.seq, source: 'self' });
  if (!payload) return null;
  return request('flag', payload);
}
