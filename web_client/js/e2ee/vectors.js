/**
 * Replays every file of tests/vectors/ (passed in as parsed JSON by the browser test) through the
 * e2ee port's own code path and compares byte for byte. Deterministic keys come from the seeded
 * stream of tests/vectors/generate.py, imported as PKCS#8 private keys.
 *
 * runVectors(files) -> [{file, name, ok, detail}]; it never throws, so one broken case cannot
 * hide the rest, and a file without a runner is reported with ok: null.
 */

import { b64e, E2eeError, hex } from './bytes.js';
import * as P from '../crypto/primitives.js';
import {
  controlContent, decodeContent, encodeContent, pad, textContent, unpad,
} from './content.js';
import { commitmentInput, makeCommitment, makeStamp, verifyCommitment, verifyStamp } from './franking.js';
import { GroupKeys } from './group.js';
import { checkPow, solvePow } from './pow.js';
import { Account, authMessage, bundleFromFetch } from './identity.js';
import {
  aeadDecrypt, aeadEncrypt, ed25519FromSeed, ed25519Sign, ed25519Verify, hkdf, hmac, seededRng,
  x25519, x25519FromRaw,
} from './keys.js';
import { membershipFromWire, membershipMessage, verifiedMembers, verifyMembership } from './membership.js';
import { messageAeadKey } from './ratchet.js';
import { openingFromBytes, openingToBytes, openReport, sealReport, verdict } from './reports.js';
import { formatSafetyNumber, fingerprintDigits, safetyNumber } from './safety.js';
import { DirectSessions } from './session.js';
import { openNote, openWrap, sealNote, teamKeyFromRaw, wrapTeamKey, createTeamKey } from './team.js';
import { replayOrchestration } from './vectors-orchestration.js';

const h = P.hexToBytes;
const same = (a, b) => hex(a) === hex(b);

async function code(fn) {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    return err instanceof E2eeError ? err.code : `threw ${err && err.name}`;
  }
}

/** A rng that records every draw (to compare with a message's send_random). */
function recording(rng, draws) {
  return async (n) => {
    const out = await rng(n);
    draws.push(hex(out));
    return out;
  };
}

const RUNNERS = {
  async rfc7748_x25519(doc) {
    const out = [];
    for (const v of doc.x25519 || []) {
      const k = await x25519FromRaw(h(v.scalar));
      out.push([v.name, same(await x25519(k.priv, h(v.u)), h(v.output))]);
    }
    const dh = doc.diffie_hellman;
    const a = await x25519FromRaw(h(dh.alice_private));
    const b = await x25519FromRaw(h(dh.bob_private));
    out.push(['alice public', same(a.pub, h(dh.alice_public))], ['bob public', same(b.pub, h(dh.bob_public))]);
    out.push(['shared', same(await x25519(a.priv, b.pub), h(dh.shared)) && same(await x25519(b.priv, a.pub), h(dh.shared))]);
    out.push(['all-zero output refused', (await code(() => x25519(a.priv, new Uint8Array(32)))) === 'invalid_key']);
    return out;
  },

  async rfc8032_ed25519(doc) {
    const out = [];
    for (const v of doc.tests) {
      const k = await ed25519FromSeed(h(v.secret_key));
      out.push([`${v.name} public`, same(k.pub, h(v.public_key))]);
      out.push([`${v.name} sign`, same(await ed25519Sign(k.priv, h(v.message)), h(v.signature))]);
      out.push([`${v.name} verify`, (await code(() => ed25519Verify(h(v.public_key), h(v.signature), h(v.message)))) === 'ok']);
    }
    return out;
  },

  async wycheproof_ed25519_subset(doc) {
    const pub = h(doc.publicKey);
    const out = [];
    for (const t of doc.tests) {
      const got = await code(() => ed25519Verify(pub, h(t.sig), h(t.msg)));
      out.push([`tcId ${t.tcId}`, got === (t.result === 'valid' ? 'ok' : 'bad_signature')]);
    }
    return out;
  },

  async rfc5869_hkdf_sha256(doc) {
    // Our hkdf() maps an empty salt to 32 zero bytes, which RFC 5869 defines as the same thing.
    return Promise.all(doc.tests.map(async (v) => [v.name, same(await hkdf(h(v.ikm), h(v.salt), h(v.info), v.length), h(v.okm))]));
  },

  async rfc4231_hmac_sha256(doc) {
    return Promise.all(doc.tests.map(async (v) => {
      const want = h(v.mac);
      return [`case ${v.case}`, same((await hmac(h(v.key), h(v.data))).slice(0, want.length), want)];
    }));
  },

  async gcm_aes256(doc) {
    const out = [];
    for (const v of doc.tests) {
      const sealed = await aeadEncrypt(h(v.key), h(v.iv), h(v.plaintext), h(v.aad));
      out.push([`${v.name} seal`, same(sealed, P.concatBytes(h(v.ciphertext), h(v.tag)))]);
      out.push([`${v.name} open`, same(await aeadDecrypt(h(v.key), h(v.iv), sealed, h(v.aad)), h(v.plaintext))]);
      sealed[0] ^= 1;
      out.push([`${v.name} tamper refused`, (await code(() => aeadDecrypt(h(v.key), h(v.iv), sealed, h(v.aad)))) === 'decrypt_failed']);
    }
    return out;
  },

  async iltapiiri_pow(doc) {
    const c = h(doc.challenge);
    const k = h(doc.identity_key);
    return [
      ['first solving nonce', (await solvePow(c, k, doc.bits)) === doc.nonce],
      ['check accepts it', await checkPow(c, k, doc.nonce, doc.bits)],
      ['check refuses the one before', !(await checkPow(c, k, doc.nonce - 1, doc.bits))],
    ];
  },

  async iltapiiri_identity(doc) {
    const rng = seededRng(doc.rng_seed);
    const acc = await Account.create({ rng });
    const publish = await acc.keysPublish(2, rng);
    const imported = await Account.fromBytes(h(doc.account));
    const sig = await acc.signer.sign(
      authMessage(h(doc.auth_challenge), acc.identityKey, h(doc.auth_server_key)));
    return [
      ['identity key', same(acc.identityKey, h(doc.identity_key))],
      ['dh key', same(acc.dh.pub, h(doc.dh_key))],
      ['dh sig', same(acc.dhSig, h(doc.dh_sig))],
      ['keys.publish', JSON.stringify(publish) === JSON.stringify(doc.keys_publish)],
      ['auth signature', same(sig, h(doc.auth_signature))],
      ['account bytes import', same(imported.identityKey, h(doc.identity_key)) && same(imported.dh.pub, h(doc.dh_key))
        && imported.nextId === acc.nextId && imported.oneTime.size === 2
        && JSON.stringify([...imported.oneTime.values()].map((k) => b64e(k.pub))) === JSON.stringify(doc.keys_publish.one_time_prekeys.map((k) => k.key))],
    ];
  },

  async iltapiiri_direct(doc) {
    const out = [];
    const rng = seededRng(doc.rng_seed);
    const alice = await Account.create({ rng });
    const bob = await Account.create({ rng });
    const bobPub = await bob.keysPublish(1, rng);
    const fetch = doc.keys_fetch_reply;
    out.push(['bob keys.publish = fetch reply', bobPub.dh_key === fetch.dh_key && bobPub.dh_sig === fetch.dh_sig
      && JSON.stringify(bobPub.signed_prekey) === JSON.stringify(fetch.signed_prekey)
      && JSON.stringify(bobPub.one_time_prekeys[0]) === JSON.stringify(fetch.one_time_prekey)
      && b64e(bob.identityKey) === fetch.identity_key]);
    const importedAlice = await Account.fromBytes(h(doc.alice_account));
    out.push(['alice account bytes', same(importedAlice.identityKey, alice.identityKey) && same(importedAlice.dh.pub, alice.dh.pub)]);
    const bundle = await bundleFromFetch(fetch);
    const parties = { alice: new DirectSessions(alice), bob: new DirectSessions(bob) };
    const accounts = { alice, bob };
    const trace = {};
    const session = await parties.alice.start(bundle, rng, trace);
    const x = doc.x3dh;
    out.push(['x3dh dh1-dh4', trace.dh.map(hex).join() === [x.dh1, x.dh2, x.dh3, x.dh4].join()]);
    out.push(['x3dh shared secret', same(trace.sk, h(x.shared_secret))]);
    out.push(['x3dh associated data', same(session.ad, h(x.associated_data))]);
    const sent = [];
    for (const [op, arg] of doc.script) {
      if (op === 'send') {
        const m = doc.messages[sent.length];
        const draws = [];
        const fk = await recording(rng, draws)(32);
        const content = textContent(m.text, fk);
        const o = await parties[arg].encrypt(accounts[m.to].identityKey, content, recording(rng, draws));
        out.push([`message ${m.index} send random`, JSON.stringify(draws) === JSON.stringify(m.send_random)]);
        out.push([`message ${m.index} padded plaintext`, same(encodeContent(content), h(m.padded_plaintext))]);
        out.push([`message ${m.index} aead key`, same(await messageAeadKey(h(m.message_key)), h(m.aead_key))]);
        out.push([`message ${m.index} kind/header/body/commitment`, o.kind === m.kind && same(o.header, h(m.header))
          && same(o.body, h(m.body)) && same(o.commitment, h(m.commitment))]);
        sent.push(m);
      } else {
        const m = doc.messages[arg];
        const env = { id: `d${m.ts}`, ts: m.ts, sender: m.from, senderKey: accounts[m.from].identityKey, kind: m.kind,
          header: h(m.header), body: h(m.body), commitment: h(m.commitment), stamp: null };
        const tampered = { ...env, body: h(m.body) };
        tampered.body[tampered.body.length - 1] ^= 1;
        out.push([`message ${arg} tampered refused`, (await code(() => parties[m.to].decrypt(tampered))) !== 'ok']);
        let opened = false;
        try {
          const got = await parties[m.to].decrypt(env);
          opened = got.content.text === m.text && await verifyCommitment(got.opening);
        } catch (err) {
          opened = false; // recorded as this case failing; the script goes on
        }
        out.push([`message ${arg} decrypts`, opened]);
        out.push([`message ${arg} replay refused`, (await code(() => parties[m.to].decrypt(env))) !== 'ok']);
      }
    }
    out.push(['one-time prekey consumed', !bob.oneTime.has(fetch.one_time_prekey.id)]);
    return out;
  },

  async iltapiiri_group(doc) {
    const out = [];
    const rng = seededRng(doc.rng_seed);
    const alice = await Account.create({ rng });
    const bob = await Account.create({ rng });
    const ga = new GroupKeys(alice.signer);
    const dist = await ga.createSenderKey(doc.room, doc.epoch, rng);
    const d = doc.distribution;
    out.push(['distribution fields', dist.keyId === d.key_id && dist.iteration === d.iteration
      && same(dist.chainKey, h(d.chain_key)) && same(dist.signingKey, h(d.signing_key))]);
    out.push(['distribution signature', same(dist.signature, h(d.signature))]);
    out.push(['distribution padded content', same(encodeContent(dist), h(d.padded_content))]);
    const sent = [];
    for (const m of doc.messages) {
      const fk = await rng(32);
      const o = await ga.encrypt(doc.room, textContent(m.text, fk), rng);
      sent.push(o);
      out.push([`message ${m.seq} header/body/commitment`, same(o.header, h(m.header)) && same(o.body, h(m.body)) && same(o.commitment, h(m.commitment))]);
      out.push([`message ${m.seq} stamp`, same(await makeStamp(h(doc.stamp_key), o.commitment, alice.identityKey, doc.room, m.ts), h(m.stamp))]);
    }
    const ctl = await ga.encrypt(doc.room, controlContent(doc.control.action), rng);
    out.push(['control message', same(ctl.header, h(doc.control.header)) && same(ctl.body, h(doc.control.body))]);
    const gb = new GroupKeys(bob.signer);
    const received = decodeContent(h(d.padded_content));
    out.push(['distribution from another sender refused', (await code(() => gb.processDistribution(received, bob.identityKey))) === 'context_mismatch']);
    out.push(['distribution accepted', await gb.processDistribution(received, alice.identityKey) === true]);
    const env = (m, extra = {}) => ({ room: doc.room, seq: m.seq, ts: m.ts, sender: 'alice', senderKey: alice.identityKey,
      kind: 'group', header: h(m.header), body: h(m.body), commitment: m.commitment ? h(m.commitment) : null,
      stamp: m.stamp ? h(m.stamp) : null, ...extra });
    // Out of order: the last text first, then the others from stored skipped keys.
    for (const m of [doc.messages[2], doc.messages[0], doc.messages[1]]) {
      const bad = env(m);
      bad.body[20] ^= 1;
      out.push([`message ${m.seq} tampered refused`, (await code(() => gb.decrypt(bad))) === 'bad_signature']);
      out.push([`message ${m.seq} wrong room refused`, (await code(() => gb.decrypt(env(m, { room: 'other/2026-11-26' })))) === 'context_mismatch']);
      const got = await gb.decrypt(env(m));
      out.push([`message ${m.seq} decrypts`, got.content.text === m.text && await verifyCommitment(got.opening)
        && await verifyStamp(h(doc.stamp_key), got.opening.stamp, got.opening.commitment, got.opening.senderKey, got.opening.room, got.opening.ts)]);
      out.push([`message ${m.seq} replay refused`, (await code(() => gb.decrypt(env(m)))) === 'replay']);
    }
    const c = await gb.decrypt(env(doc.control));
    out.push(['control decrypts', c.content.type === 'control' && c.content.action === 'rotated']);
    return out;
  },

  async iltapiiri_franking(doc) {
    const input = commitmentInput(doc.context, h(doc.sender_key), h(doc.message_ref), doc.text);
    return [
      ['commitment input', same(input, h(doc.commitment_input))],
      ['commitment', same(await makeCommitment(h(doc.franking_key), doc.context, h(doc.sender_key), h(doc.message_ref), doc.text), h(doc.commitment))],
      ['stamp', same(await makeStamp(h(doc.stamp_key), h(doc.commitment), h(doc.sender_key), doc.room, doc.ts), h(doc.stamp))],
      ['wrong text refused', !(await verifyCommitment({ frankingKey: h(doc.franking_key), context: doc.context,
        senderKey: h(doc.sender_key), messageRef: h(doc.message_ref), text: `${doc.text}!`, commitment: h(doc.commitment) }))],
    ];
  },

  async iltapiiri_report(doc) {
    const opening = openingFromBytes(h(doc.opening));
    const mod = await x25519FromRaw(h(doc.moderator_dh_private));
    const to = h(doc.moderator_identity_key);
    const sealed = await sealReport(opening, doc.note, { to, dhKey: mod.pub, rng: seededRng(doc.rng_seed) });
    const me = { identityKey: to, dhKey: mod.pub, dhPriv: mod.priv };
    const fields = { room: doc.room, commitment: h(doc.commitment), senderKey: h(doc.sender_key), ts: doc.ts, stamped: true };
    const opened = await openReport(me, doc.sealed, doc.room, h(doc.commitment));
    const altered = await openReport(me, doc.altered_sealed, doc.room, h(doc.commitment));
    const other = await x25519FromRaw(new Uint8Array(32).fill(7));
    return [
      ['opening bytes round trip', same(openingToBytes(opening), h(doc.opening))],
      ['moderator dh key', same(mod.pub, h(doc.moderator_dh_key))],
      ['sealed byte for byte', sealed.eph === doc.sealed.eph && sealed.box === doc.sealed.box && sealed.to === doc.sealed.to],
      ['opens with its note', opened.note === doc.note && opened.opening.text === opening.text],
      ['true message verified', await verdict(opened, fields)],
      ['altered text not verified', !(await verdict(altered, fields))],
      ['unstamped not verified', !(await verdict(opened, { ...fields, stamped: false }))],
      ['other commitment refused', (await code(() => openReport(me, doc.sealed, doc.room, new Uint8Array(32)))) === 'decrypt_failed'],
      ['other moderator refused', (await code(() => openReport({ ...me, dhKey: other.pub, dhPriv: other.priv }, doc.sealed, doc.room, h(doc.commitment)))) === 'decrypt_failed'],
    ];
  },

  async iltapiiri_team(doc) {
    const dh = await x25519FromRaw(h(doc.counsellor_dh_private));
    const me = { identityKey: h(doc.counsellor_identity_key), dhKey: dh.pub, dhPriv: dh.priv };
    const makers = new Set([b64e(h(doc.maker_identity_key))]);
    const key = await openWrap(me, doc.wrap, makers);
    const keys = new Map([[key.epoch, key]]);
    // Reproduce the Python bytes from the seeded stream: team key, wrap, note.
    const rng = seededRng(doc.rng_seed);
    const made = await createTeamKey(doc.epoch, rng);
    const maker = await ed25519FromSeed(h(doc.maker_signing_seed));
    const wrap = await wrapTeamKey(made, { to: me.identityKey, dhKey: me.dhKey, rng,
      maker: { publicKey: maker.pub, sign: (m) => ed25519Sign(maker.priv, m) } });
    const note = await sealNote(doc.text, { caseId: doc.case_id, key: made, rng });
    const other = await teamKeyFromRaw(doc.epoch, new Uint8Array(32).fill(9));
    return [
      ['wrap opens to the team key', same(key.pub, h(doc.team_public)) && same(key.raw, h(doc.team_private))],
      ['note opens', (await openNote(h(doc.note), { caseId: doc.case_id, keys })) === doc.text],
      ['wrap byte for byte', JSON.stringify(wrap) === JSON.stringify(doc.wrap)],
      ['note byte for byte', hex(note) === doc.note],
      ['another case refused', (await code(() => openNote(h(doc.note), { caseId: doc.other_case_id, keys }))) === 'decrypt_failed'],
      ['unknown epoch refused', (await code(() => openNote(h(doc.note), { caseId: doc.case_id, keys: new Map() }))) === 'unknown_key'],
      ['other team key refused', (await code(() => openNote(h(doc.note), { caseId: doc.case_id, keys: new Map([[1, other]]) }))) === 'decrypt_failed'],
      ['maker outside the team refused', (await code(() => openWrap(me, doc.wrap, new Set()))) === 'decrypt_failed'],
      ['altered wrap refused', (await code(() => openWrap(me, { ...doc.wrap, team_key: b64e(other.pub) }, makers))) === 'bad_signature'],
    ];
  },

  async iltapiiri_safety(doc) {
    const n = await safetyNumber(h(doc.key_b), h(doc.key_a));
    return [
      ['digits a', (await fingerprintDigits(h(doc.key_a))) === doc.digits_a],
      ['digits b', (await fingerprintDigits(h(doc.key_b))) === doc.digits_b],
      ['safety number (either order)', n === doc.safety_number && n === await safetyNumber(h(doc.key_a), h(doc.key_b))],
      ['formatted', formatSafetyNumber(n) === doc.formatted],
    ];
  },

  async iltapiiri_padding(doc) {
    const out = [];
    for (const v of doc.valid) {
      const data = new Uint8Array(v.length).fill(0x41);
      out.push([`pad ${v.length}`, same(pad(data), h(v.padded)) && same(unpad(h(v.padded)), data)]);
    }
    for (const v of doc.invalid) out.push([`refuse: ${v.why}`, (await code(() => unpad(h(v.padded)))) === 'bad_padding']);
    return out;
  },

  async iltapiiri_membership(doc) {
    const server = await ed25519FromSeed(h(doc.server_seed));
    const ev = membershipFromWire(doc.event);
    const text = new TextDecoder().decode(membershipMessage(ev.room, ev.epoch, ev.event, ev.identityKey, ev.role, ev.members, ev.at));
    return [
      ['server key', same(server.pub, h(doc.server_key))],
      ['signed text', text === doc.signed_text],
      ['verifies', (await code(() => verifyMembership(server.pub, doc.event))) === 'ok'],
      ['tampered epoch refused', (await code(() => verifyMembership(server.pub, { ...doc.event, epoch: doc.event.epoch + 1 }))) === 'bad_signature'],
      ['tampered member list refused', (await code(() => verifyMembership(server.pub, { ...doc.event, members: doc.event.members.slice(1) }))) === 'bad_signature'],
      ['signed roles', ev.members.map((m) => m.role).join(',') === 'moderator,peer'],
      ['swapped roles refused', (await code(() => verifyMembership(server.pub, doc.forged_roles.event))) === 'bad_signature'],
      ['subject role refused', (await code(() => verifyMembership(server.pub, doc.forged_subject_role.event))) === 'bad_signature'],
      ['badge only when signed', (await verifiedMembers(server.pub, doc.forged_roles.event)).every((m) => m.role === 'peer')
        && (await verifiedMembers(server.pub, doc.event)).map((m) => m.role).join(',') === 'moderator,peer'],
    ];
  },

  async orchestration_groups(doc) {
    return (await replayOrchestration(doc)).map((r) => [`${r.scenario} #${r.step}: ${r.note}`, r.ok]);
  },
};

/** Replay `files` ({filename: parsed JSON}). */
export async function runVectors(files) {
  const results = [];
  for (const [file, doc] of Object.entries(files)) {
    const runner = RUNNERS[file.replace(/\.json$/, '')];
    if (!runner) {
      results.push({ file, name: '(no runner)', ok: null });
      continue;
    }
    try {
      for (const [name, ok] of await runner(doc)) results.push({ file, name, ok: Boolean(ok) });
    } catch (err) {
      results.push({ file, name: 'threw', ok: false, detail: String(err && (err.code || err.name)) + ' ' + String(err && err.message) });
    }
  }
  return results;
}
