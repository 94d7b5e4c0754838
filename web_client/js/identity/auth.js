/**
 * Anonymous sign-in by a signed challenge (docs/protocol.md, "Session").
 *
 * signature = Ed25519(identity key, "iltapiiri/auth/v2\0" || server_key || challenge || identity_key)
 * (v2 binds the signature to the server that sent the challenge; the format is e2ee/identity.js).
 */

import { b64decode, b64encode } from '../crypto/primitives.js';
import { authMessage } from '../e2ee/identity.js';
import { solvePow } from '../e2ee/pow.js';

export { authMessage };
export const CHALLENGE_BYTES = 32;
const SERVER_KEY_BYTES = 32;
/** The wire protocol this client speaks (v2: membership signatures cover roles). */
export const WIRE_PROTOCOL = 2;

/**
 * hello + auth on a connected socket. Resolves {pseudonym, user_id, role, server_key, limits};
 * rejects with the server's {code, message} (e.g. pseudonym_taken) unchanged.
 */
export async function authenticate(socket, identity, pseudonym) {
  const hello = await socket.request('hello', {});
  if (hello.protocol !== WIRE_PROTOCOL) throw { code: 'unsupported_protocol', message: `server speaks v${hello.protocol}` };
  const challenge = b64decode(hello.challenge);
  if (challenge.length !== CHALLENGE_BYTES) throw { code: 'bad_reply', message: 'bad challenge' };
  const serverKey = b64decode(hello.server_key);
  if (serverKey.length !== SERVER_KEY_BYTES) throw { code: 'bad_reply', message: 'bad server key' };
  const signature = await identity.sign(authMessage(challenge, identity.publicKey, serverKey));
  // A new sign-in costs 2^pow_bits SHA-256 (docs/protocol.md): the price of a throwaway identity.
  const pow = await solvePow(challenge, identity.publicKey, hello.pow_bits || 0);
  const request = { identity_key: identity.publicKeyB64, signature: b64encode(signature), pow };
  if (pseudonym) request.pseudonym = pseudonym;
  const reply = await socket.request('auth', request);
  return {
    pseudonym: reply.pseudonym,
    userId: reply.user_id,
    role: reply.role,
    serverKey: hello.server_key,
    limits: hello.limits || {},
    protocol: hello.protocol,
    onDuty: reply.on_duty === true, // a moderator the relay still has on duty (grace)
  };
}
