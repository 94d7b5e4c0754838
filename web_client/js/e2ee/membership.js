/**
 * Server-signed membership events (docs/crypto.md section 8, e2ee/membership.py). The client
 * rotates and distributes sender keys only on an event whose signature verifies under the
 * server key from `hello`:
 *
 *   "iltapiiri/membership/v1\n" + room + "\n" + epoch + "\n" + event + "\n" + identity_key + "\n" +
 *   ",".join(sorted(member identity keys, canonical base64)) + "\n" + at
 */

import { b64d, b64e, fail, field, MAX_ROOM_ID_BYTES, utf8 } from './bytes.js';
import { ed25519Verify } from './keys.js';

export const MEMBERSHIP_LABEL = 'iltapiiri/membership/v1';
export const EVENTS = ['joined', 'left', 'removed', 'closed'];
export const MAX_MEMBERS = 1000;

/** Validate the JSON shape of a `room.membership` (the signature is checked by verifyMembership). */
export function membershipFromWire(d) {
  const room = field(d, 'room', 'string');
  utf8(room, MAX_ROOM_ID_BYTES, 'room');
  const epoch = field(d, 'epoch', 'int');
  const at = field(d, 'at', 'int');
  if (epoch < 0 || at < 0) fail('malformed', 'epoch or at out of range');
  const event = field(d, 'event', 'string');
  if (!EVENTS.includes(event)) fail('malformed', 'unknown membership event');
  const members = field(d, 'members', 'array');
  if (members.length > MAX_MEMBERS) fail('malformed', 'too many members');
  const identityKeyB64 = field(d, 'identity_key', 'string');
  // A "closed" event names nobody: its identity_key is the empty string.
  const identityKey = identityKeyB64 === '' ? new Uint8Array(0) : b64d(identityKeyB64, 'identity_key', 32);
  return {
    room, epoch, event, pseudonym: field(d, 'pseudonym', 'string'), identityKey, at,
    members: members.map((m) => ({
      pseudonym: field(m, 'pseudonym', 'string'),
      identityKey: b64d(field(m, 'identity_key', 'string'), 'identity_key', 32),
      role: field(m, 'role', 'string'),
    })),
    sig: b64d(field(d, 'sig', 'string'), 'sig', 64),
  };
}

/** The UTF-8 bytes the server signs. */
export function membershipMessage(room, epoch, event, identityKey, memberKeys, at) {
  const keys = memberKeys.map((k) => b64e(k)).sort().join(',');
  return utf8([MEMBERSHIP_LABEL, room, String(epoch), event, b64e(identityKey), keys, String(at)].join('\n'));
}

/** Decode (if JSON) and verify; 'bad_signature' unless `serverKey` signed it. Returns the event. */
export async function verifyMembership(serverKey, event) {
  const ev = event.sig instanceof Uint8Array ? event : membershipFromWire(event);
  await ed25519Verify(serverKey, ev.sig, membershipMessage(ev.room, ev.epoch, ev.event,
    ev.identityKey, ev.members.map((m) => m.identityKey), ev.at));
  return ev;
}
