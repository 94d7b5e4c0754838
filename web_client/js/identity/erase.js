/**
 * Erase my pseudonym on the server (data rights, docs/protocol.md "Erasing an identity"): a fresh
 * challenge, signed by the identity key over "iltapiiri/erase/v1\0" || server_key || challenge ||
 * identity_key (the format is e2ee/identity.js, e2ee/erase.py). The server then forgets the
 * binding, key bundle, prekeys, queued 1:1 messages to and from me and my risk history. The caller
 * wipes this device afterwards (forget.js).
 */

import { b64decode, b64encode } from '../crypto/primitives.js';
import { eraseMessage } from '../e2ee/identity.js';

/** Resolves when the server has erased the identity; rejects with the server's {code}. */
export async function eraseOnServer(session, identity) {
  if (!session.auth || !session.auth.serverKey) throw { code: 'not_authenticated', message: '' };
  const got = await session.request('identity.erase_challenge', {});
  const challenge = b64decode(got.challenge);
  const serverKey = b64decode(session.auth.serverKey);
  const signature = await identity.sign(eraseMessage(challenge, identity.publicKey, serverKey));
  await session.request('identity.erase', { signature: b64encode(signature) });
}
