/**
 * Server-signed membership events (docs/crypto.md section 8, e2ee/membership.py). The client
 * rotates and distributes sender keys only on an event whose signature verifies under the
 * server key from `hello`. Since v2 the roles are signed too, so a badge is the server's word:
 *
 *   "iltapiiri/membership/v2\n" + room + "\n" + epoch + "\n" + event + "\n" +
 *   identity_key + ":" + role + "\n" +
 *   ",".join(sorted(member identity key + ":" + member role, keys in canonical base64)) + "\n" + at
 *
 * A `closed` event has an empty subject (the line is ":"). Roles are one of ROLES.
 */

import { b64d, b64e, fail, field, MAX_ROOM_ID_BYTES, utf8 } from './bytes.js';
import { ed25519Verify } from './keys.js';

export const MEMBERSHIP_LABEL = 'iltapiiri/membership/v2';
export const EVENTS = ['joined', 'left', 'removed', 'closed'];
export const ROLES = ['peer', 'moderator', 'counsellor', 'admin'];

function role(d) {
  const r = field(d, 'role', 'string');
  if (!ROLES.includes(r)) fail('malformed', 'unknown role');
  return r;
}
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
  const identityKey = identityKeyB64 === '' && event === 'closed' ? new Uint8Array(0) : b64d(identityKeyB64, 'identity_key', 32);
  const subjectRole = event === 'closed' && d.role === '' ? '' : role(d);
  return {
    room, epoch, event, pseudonym: field(d, 'pseudonym', 'string'), identityKey, role: subjectRole, at,
    members: members.map((m) => ({
      pseudonym: field(m, 'pseudonym', 'string'),
      identityKey: b64d(field(m, 'identity_key', 'string'), 'identity_key', 32),
      role: role(m),
    })),
    sig: b64d(field(d, 'sig', 'string'), 'sig', 64),
  };
}

/** The UTF-8 bytes the server signs; `members` is [{identityKey, role}]. */
export function membershipMessage(room, epoch, event, identityKey, subjectRole, members, at) {
  const listed = members.map((m) => `${b64e(m.identityKey)}:${m.role}`).sort().join(',');
  return utf8([MEMBERSHIP_LABEL, room, String(epoch), event, `${b64e(identityKey)}:${subjectRole}`,
    listed, String(at)].join('\n'));
}

/** Decode (if JSON) and verify; 'bad_signature' unless `serverKey` signed it. Returns the event. */
export async function verifyMembership(serverKey, event) {
  const ev = event.sig instanceof Uint8Array ? event : membershipFromWire(event);
  await ed25519Verify(serverKey, ev.sig, membershipMessage(ev.room, ev.epoch, ev.event,
    ev.identityKey, ev.role, ev.members, ev.at));
  return ev;
}

/**
 * The member list a view may show: the members of a membership event (or a join reply's list)
 * with their roles only when the server's signature over them verifies; otherwise everyone
 * shows as a peer, so no badge ever comes from an unsigned field. Members in wire form.
 */
export async function verifiedMembers(serverKey, membership, listed) {
  const members = listed || (membership && membership.members) || [];
  const asPeers = members.map((m) => ({ ...m, role: 'peer' }));
  if (!serverKey || !membership) return asPeers;
  let ev;
  try {
    ev = await verifyMembership(serverKey, membership);
  } catch (err) {
    return asPeers;
  }
  const signed = new Map(ev.members.map((m) => [b64e(m.identityKey), m.role]));
  return members.map((m) => ({ ...m, role: signed.get(m.identity_key) || 'peer' }));
}
