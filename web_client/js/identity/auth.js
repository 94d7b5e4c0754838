/**
 * Anonymous sign-in by a signed challenge (docs/protocol.md, "Session").
 *
 * signature = Ed25519(identity key, "iltapiiri/auth/v1\0" || challenge || identity_key)
 */

import { b64decode, concatBytes, utf8, b64encode } from '../crypto/primitives.js';

const AUTH_LABEL = utf8('iltapiiri/auth/v1\u0000');
export const CHALLENGE_BYTES = 32;

/** The bytes the identity key signs to answer `challenge`. */
export function authMessage(challenge, identityKey) {
  return concatBytes(AUTH_LABEL, challenge, identityKey);
}

/**
 * hello + auth on a connected socket. Resolves {pseudonym, user_id, role, server_key, limits};
 * rejects with the server's {code, message} (e.g. pseudonym_taken) unchanged.
 */
export async function authenticate(socket, identity, pseudonym) {
  const hello = await socket.request('hello', {});
  const challenge = b64decode(hello.challenge);
  if (challenge.length !== CHALLENGE_BYTES) throw { code: 'bad_reply', message: 'bad challenge' };
  const signature = await identity.sign(authMessage(challenge, identity.publicKey));
  const request = { identity_key: identity.publicKeyB64, signature: b64encode(signature) };
  if (pseudonym) request.pseudonym = pseudonym;
  const reply = await socket.request('auth', request);
  return {
    pseudonym: reply.pseudonym,
    userId: reply.user_id,
    role: reply.role,
    serverKey: hello.server_key,
    limits: hello.limits || {},
    protocol: hello.protocol,
  };
}
