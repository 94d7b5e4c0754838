/**
 * Rough in-browser cost of the protocol on this machine (the browser test runs it and keeps the
 * figures in test-artifacts/): per group message encrypt+sign and verify+decrypt, per 1:1
 * message both ways, one X3DH start, one safety number. Platform keys (non-extractable), so the
 * figures are what a real page pays.
 */

import { Account } from './identity.js';
import { GroupKeys } from './group.js';
import { ed25519KeyPair, signerOf } from './keys.js';
import { safetyNumber } from './safety.js';
import { DirectSessions } from './session.js';
import { b64e } from './bytes.js';

const ms = () => performance.now();

/** {group_encrypt_ms, group_decrypt_ms, direct_encrypt_ms, direct_decrypt_ms, x3dh_ms, safety_ms} per operation. */
export async function benchmark(n = 200) {
  const alice = signerOf(await ed25519KeyPair());
  const bob = signerOf(await ed25519KeyPair());
  const room = 'open/2026-11-26';
  const ga = new GroupKeys(alice);
  const gb = new GroupKeys(bob);
  await gb.processDistribution(await ga.createSenderKey(room, 1), alice.publicKey);
  const text = 'tämä on tavallisen pituinen viesti illan ryhmässä, noin sata merkkiä pitkä, ei sen kummempaa';
  let t = ms();
  const outs = [];
  for (let i = 0; i < n; i += 1) outs.push(await ga.encryptText(room, text));
  const groupEncrypt = (ms() - t) / n;
  t = ms();
  for (const [i, o] of outs.entries()) {
    await gb.decrypt({ room, seq: i + 1, ts: 1, sender: 'a', senderKey: alice.publicKey, kind: o.kind,
      header: o.header, body: o.body, commitment: o.commitment, stamp: null });
  }
  const groupDecrypt = (ms() - t) / n;

  const accA = await Account.create({ signer: alice });
  const accB = await Account.create({ signer: bob });
  const pub = await accB.keysPublish(1);
  const da = new DirectSessions(accA);
  const db = new DirectSessions(accB);
  const { bundleFromFetch } = await import('./identity.js');
  const bundle = await bundleFromFetch({ pseudonym: 'b', identity_key: b64e(bob.publicKey), dh_key: pub.dh_key,
    dh_sig: pub.dh_sig, signed_prekey: pub.signed_prekey, one_time_prekey: pub.one_time_prekeys[0] });
  t = ms();
  await da.start(bundle);
  const x3dh = ms() - t;
  const m = Math.max(1, Math.floor(n / 4));
  const direct = [];
  t = ms();
  for (let i = 0; i < m; i += 1) direct.push(await da.encryptText(bob.publicKey, text));
  const directEncrypt = (ms() - t) / m;
  t = ms();
  for (const [i, o] of direct.entries()) {
    await db.decrypt({ id: `x${i}`, ts: 1, sender: 'a', senderKey: alice.publicKey, kind: o.kind, header: o.header,
      body: o.body, commitment: o.commitment, stamp: null });
  }
  const directDecrypt = (ms() - t) / m;
  t = ms();
  await safetyNumber(alice.publicKey, bob.publicKey);
  const safety = ms() - t;
  const round = (v) => Math.round(v * 1000) / 1000;
  return {
    messages: n, group_encrypt_ms: round(groupEncrypt), group_decrypt_ms: round(groupDecrypt),
    direct_encrypt_ms: round(directEncrypt), direct_decrypt_ms: round(directDecrypt),
    x3dh_start_ms: round(x3dh), safety_number_ms: round(safety),
  };
}
