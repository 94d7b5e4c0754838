"""The WebCrypto port of the e2ee protocol (web_client/js/e2ee/) replays every file in
tests/vectors/ inside Debian's Chromium, byte for byte, through its own code path."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.web_client.conftest import REPO_ROOT, OpenPeer

VECTORS = REPO_ROOT / "tests" / "vectors"
RUN = "async (files) => (await import('/js/e2ee/vectors.js')).runVectors(files)"


# The detector's vectors (detect*.json) are replayed by the JavaScript detector's own test.
NOT_CRYPTO = ("detect",)


def load_vectors() -> dict[str, Any]:
    """Every crypto vector file in tests/vectors/, parsed."""
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(VECTORS.glob("*.json"))
            if not p.name.startswith(NOT_CRYPTO)}


async def test_every_vector_file_replays_in_chromium(live_server, open_peer: OpenPeer) -> None:
    files = load_vectors()
    assert {"iltapiiri_direct.json", "iltapiiri_group.json", "wycheproof_ed25519_subset.json"} <= files.keys()
    peer = await open_peer(live_server.url, path="/selftest.html")
    results = await peer.page.evaluate(RUN, files)
    failed = [r for r in results if r["ok"] is not True]
    assert failed == []
    per_file = {name: [r for r in results if r["file"] == name] for name in files}
    # Every file ran, and every case of the case-list files ran.
    assert all(per_file[name] for name in files), [n for n in files if not per_file[n]]
    assert len(per_file["wycheproof_ed25519_subset.json"]) == len(files["wycheproof_ed25519_subset.json"]["tests"])
    # The sealed report: seal byte for byte, open, verdicts (true, altered, unstamped), refusals.
    assert len(per_file["iltapiiri_report.json"]) == 9
    assert len(per_file["iltapiiri_team.json"]) == 9
    direct = files["iltapiiri_direct.json"]
    sends = [r for r in per_file["iltapiiri_direct.json"] if r["name"].endswith("kind/header/body/commitment")]
    assert len(sends) == len(direct["messages"])
    decrypts = [r for r in per_file["iltapiiri_direct.json"] if r["name"].endswith(" decrypts")]
    assert len(decrypts) == len(direct["messages"])
    group = files["iltapiiri_group.json"]
    assert len([r for r in per_file["iltapiiri_group.json"] if r["name"].startswith("message ") and r["name"].endswith(" decrypts")]) == len(group["messages"])
    assert await peer.csp_violations() == []
    await peer.context.close()


async def test_a_corrupted_vector_fails(live_server, open_peer: OpenPeer) -> None:
    """The replay can fail: one changed byte in an expected body is reported as that case."""
    files = load_vectors()
    direct = files["iltapiiri_direct.json"]
    body = direct["messages"][3]["body"]
    direct["messages"][3]["body"] = body[:-2] + ("00" if body[-2:] != "00" else "01")
    group = files["iltapiiri_group.json"]
    group["distribution"]["signature"] = "00" + group["distribution"]["signature"][2:]
    peer = await open_peer(live_server.url, path="/selftest.html")
    results = await peer.page.evaluate(RUN, {k: files[k] for k in ("iltapiiri_direct.json", "iltapiiri_group.json")})
    bad = {(r["file"], r["name"]) for r in results if r["ok"] is not True}
    assert ("iltapiiri_direct.json", "message 3 kind/header/body/commitment") in bad
    assert ("iltapiiri_group.json", "distribution signature") in bad
    await peer.context.close()


async def test_private_keys_are_not_extractable(live_server, open_peer: OpenPeer) -> None:
    """Keys made on the platform path stay inside WebCrypto: exporting them fails."""
    peer = await open_peer(live_server.url, path="/selftest.html")
    result = await peer.page.evaluate("""async () => {
      const keys = await import('/js/e2ee/keys.js');
      const { GroupKeys } = await import('/js/e2ee/group.js');
      const { Account } = await import('/js/e2ee/identity.js');
      const signer = keys.signerOf(await keys.ed25519KeyPair());
      const account = await Account.create({ signer });
      await account.keysPublish(3);
      const groups = new GroupKeys(signer);
      await groups.createSenderKey('open/2026-11-26', 1);
      const privs = [account.dh.priv, account.signed[0].priv, ...[...account.oneTime.values()].map((k) => k.priv),
        groups.mine.get('open/2026-11-26').signing.priv];
      const out = [];
      for (const k of privs) {
        try { await crypto.subtle.exportKey('pkcs8', k); out.push('exported'); }
        catch (err) { out.push(k.extractable === false ? 'sealed' : 'odd'); }
      }
      return out;
    }""")
    assert result == ["sealed"] * 6
    await peer.context.close()


async def test_in_browser_cost_per_message(live_server, open_peer: OpenPeer) -> None:
    """Rough figures on this machine, kept in test-artifacts/e2ee-browser-bench.json; the bound is
    loose (a chat message must not take a noticeable fraction of a second)."""
    peer = await open_peer(live_server.url, path="/selftest.html")
    figures = await peer.page.evaluate("import('/js/e2ee/bench.js').then((m) => m.benchmark(200))")
    out = REPO_ROOT / "test-artifacts" / "e2ee-browser-bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    assert figures["messages"] == 200
    for name in ("group_encrypt_ms", "group_decrypt_ms", "direct_encrypt_ms", "direct_decrypt_ms"):
        assert 0 < figures[name] < 100, (name, figures)
    await peer.context.close()


ERROR_CASES = """async () => {
  const keys = await import('/js/e2ee/keys.js');
  const { GroupKeys } = await import('/js/e2ee/group.js');
  const { decodeContent, unpad } = await import('/js/e2ee/content.js');
  const { bundleFromFetch } = await import('/js/e2ee/identity.js');
  const { CODES } = await import('/js/e2ee/bytes.js');
  const alice = keys.signerOf(await keys.ed25519KeyPair());
  const bob = keys.signerOf(await keys.ed25519KeyPair());
  const ga = new GroupKeys(alice);
  const gb = new GroupKeys(bob);
  const room = 'open/2026-11-26';
  const dist = await ga.createSenderKey(room, 3);
  const out = await ga.encryptText(room, 'salainen viesti');
  const env = { room, seq: 1, ts: 1, sender: 'a', senderKey: alice.publicKey, kind: 'group',
    header: out.header, body: out.body, commitment: out.commitment, stamp: null };
  const cases = [
    () => gb.decrypt(env),                                            // unknown_key
    () => gb.processDistribution(dist, bob.publicKey),                // context_mismatch
    async () => { await gb.processDistribution(dist, alice.publicKey); const b = env.body.slice(); b[13] ^= 1; return gb.decrypt({ ...env, body: b }); },
    async () => { await gb.decrypt(env); return gb.decrypt(env); },  // replay
    () => gb.decrypt({ ...env, room: 'other/2026-11-26' }),
    () => decodeContent(new Uint8Array(160)),
    () => unpad(new Uint8Array(7)),
    () => keys.x25519(null, new Uint8Array(32)),
    () => bundleFromFetch({ pseudonym: 'x' }),
    () => keys.aeadDecrypt(new Uint8Array(32), new Uint8Array(12), new Uint8Array(40), new Uint8Array(0)),
  ];
  const results = [];
  for (const c of cases) {
    try { await c(); results.push(['no error', '']); }
    catch (err) { results.push([err.code, err.message, String(err), CODES.includes(err.code)]); }
  }
  const secrets = [dist.chainKey, dist.signingKey, alice.publicKey].map((k) => [...k].map((b) => b.toString(16).padStart(2, '0')).join(''));
  return { results, secrets, repr: [String(ga), String(dist), String(out.commitment.length)] };
}"""


async def test_errors_are_typed_and_name_no_secret(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, path="/selftest.html")
    got = await peer.page.evaluate(ERROR_CASES)
    codes = [r[0] for r in got["results"]]
    assert codes == ["unknown_key", "context_mismatch", "bad_signature", "replay", "context_mismatch",
                     "bad_padding", "bad_padding", "invalid_key", "malformed", "decrypt_failed"]
    assert all(r[3] for r in got["results"])
    text = "\n".join(m for r in got["results"] for m in r[1:3]) + "\n".join(got["repr"])
    assert "salainen" not in text
    for secret in got["secrets"]:
        assert secret[:16] not in text.lower()
    await peer.context.close()


# Two engines in one page over a scripted relay (a fake inside a unit test of the orchestration
# logic): delivery order is chosen by the test, so the held-envelope path runs deterministically.
ORCHESTRATION = """async () => {
  const { Engine } = await import('/js/e2ee/engine.js');
  const { MemoryStore } = await import('/js/e2ee/store.js');
  const keys = await import('/js/e2ee/keys.js');
  const { membershipMessage } = await import('/js/e2ee/membership.js');
  const { b64e } = await import('/js/e2ee/bytes.js');
  const server = await keys.ed25519KeyPair();
  const room = 'open/2026-11-26';
  const peers = {};
  const published = {};
  const queue = [];
  const log = [];
  const persistedFirst = [];
  let epoch = 0;
  let seq = 0;
  let members = [];
  const relay = (name) => ({ async request(ev, data) {
    log.push(`${name}:${ev}`);
    const pub = published[name] || (published[name] = { otks: [] });
    if (ev === 'keys.count') return { one_time_prekeys: pub.otks.length };
    if (ev === 'keys.publish') { pub.req = data; pub.otks.push(...data.one_time_prekeys); return { one_time_prekeys: pub.otks.length }; }
    if (ev === 'keys.fetch') {
      const p = published[data.pseudonym];
      return { pseudonym: data.pseudonym, identity_key: b64e(peers[data.pseudonym].signer.publicKey), dh_key: p.req.dh_key,
        dh_sig: p.req.dh_sig, signed_prekey: p.req.signed_prekey, one_time_prekey: p.otks.shift() || null };
    }
    const from = b64e(peers[name].signer.publicKey);
    if (ev === 'direct.send') {
      const saved = await peers[name].store.get(`sessions:${from}`);
      const live = peers[name].engine.directs.toRecords();
      persistedFirst.push(JSON.stringify(saved.map((r) => r.state.ns)) === JSON.stringify(live.map((r) => r.state.ns)));
      seq += 1;
      queue.push({ to: data.to, kind: 'direct', env: { id: `d${seq}`, ts: 1000 + seq, from: name, from_key: from, kind: data.kind,
        header: data.header, body: data.body, commitment: data.commitment } });
      return { id: `d${seq}`, ts: 1000 + seq };
    }
    if (ev === 'room.send') {
      // The chain position must already be on "disk" when the ciphertext leaves.
      const saved = (await peers[name].store.get(`groups:${from}`)).mine.find((k) => k.room === data.room);
      persistedFirst.push(saved.iteration === peers[name].engine.groups.mine.get(data.room).iteration);
      seq += 1;
      for (const m of members) if (m !== name) queue.push({ to: m, kind: 'room', env: { room: data.room, seq, ts: 1000 + seq,
        sender: name, sender_key: from, kind: data.kind, header: data.header, body: data.body, commitment: data.commitment } });
      return { seq, ts: 1000 + seq };
    }
    throw { code: 'bad_request' };
  } });
  const member = (n) => ({ pseudonym: n, identity_key: b64e(peers[n].signer.publicKey), role: 'peer' });
  const signed = async (event, who) => {
    epoch += 1;
    const m = { room, epoch, event, pseudonym: who || '', identity_key: who ? b64e(peers[who].signer.publicKey) : '',
      role: who ? 'peer' : '', members: members.map(member), at: 5000 + epoch };
    const text = membershipMessage(room, epoch, event, who ? peers[who].signer.publicKey : new Uint8Array(0),
      m.role, members.map((n) => ({ identityKey: peers[n].signer.publicKey, role: 'peer' })), m.at);
    m.sig = b64e(await keys.ed25519Sign(server.priv, text));
    return m;
  };
  for (const n of ['Anna', 'Bert']) {
    const signer = keys.signerOf(await keys.ed25519KeyPair());
    const store = new MemoryStore();
    const engine = new Engine({ store, relay: relay(n) });
    peers[n] = { signer, engine, store };
    await engine.load(signer);
    await engine.signedIn(b64e(server.pub));
  }
  const A = peers.Anna.engine;
  const B = peers.Bert.engine;
  const take = (pred) => { const i = queue.findIndex(pred); return i < 0 ? null : queue.splice(i, 1)[0]; };
  const deliver = async (item) => (item.kind === 'room' ? peers[item.to].engine.openRoom(item.env) : peers[item.to].engine.openDirect(item.env));
  const out = {};

  members = ['Anna'];
  await A.applyJoin({ room, membership: await signed('joined', 'Anna') });
  members = ['Anna', 'Bert'];
  const joinB = await signed('joined', 'Bert');
  await B.applyJoin({ room, membership: joinB });
  await A.onMembership(joinB);
  out.distributionsQueued = queue.filter((q) => q.kind === 'direct').length;
  await A.sendGroupText(room, 'ennen avainta');
  // Bert gets Anna's group message before her key: it is held, then opened when the key comes.
  const early = deliver(take((q) => q.kind === 'room' && q.to === 'Bert'));
  await new Promise((r) => setTimeout(r, 50));
  out.heldBeforeKey = (B.flow.held.get(room) || []).length;
  while (queue.length) await deliver(queue.shift());
  out.early = await early;
  await B.sendGroupText(room, 'moi Anna');
  const toAnna = take((q) => q.kind === 'room' && q.to === 'Anna');
  out.toAnna = await deliver(toAnna);
  out.replay = await deliver(toAnna);
  out.tamperedMembership = await A.onMembership({ ...(await signed('left', 'Bert')), epoch: 999 });
  out.keyBefore = A.groups.mine.get(room).keyId;
  members = ['Anna'];
  await A.onMembership(await signed('left', 'Bert'));
  out.keyAfter = A.groups.mine.get(room).keyId;
  out.epochAfter = A.groups.mine.get(room).epoch;
  out.epochNow = epoch;
  out.bertForgotten = !A.groups.hasSenderKey(room, peers.Bert.signer.publicKey);
  members = [];
  await A.onMembership(await signed('closed', null));
  out.roomsAfterClose = A.groups.rooms();
  out.sendAfterClose = await A.sendGroupText(room, 'x').then(() => 'sent', (e) => e.code);
  out.publishes = log.filter((l) => l.endsWith('keys.publish')).length;
  out.persistedFirst = persistedFirst;
  return out;
}"""


async def test_engine_orchestration_with_a_scripted_relay(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, path="/selftest.html")
    out = await peer.page.evaluate(ORCHESTRATION)
    assert out["distributionsQueued"] == 2  # Bert's key to Anna, Anna's current key to Bert
    assert out["heldBeforeKey"] == 1
    assert out["early"]["text"] == "ennen avainta" and out["early"]["franking"]["context"] == "open/2026-11-26"
    assert out["toAnna"]["text"] == "moi Anna"
    assert out["replay"] is None
    # Had the forged event (epoch 999) been acted on, the real "left" would look stale and no
    # rotation would follow: a new key at the new epoch proves the forgery was ignored.
    assert out["keyAfter"] != out["keyBefore"] and out["epochAfter"] == out["epochNow"]
    assert out["bertForgotten"] is True
    assert out["roomsAfterClose"] == []
    assert out["sendAfterClose"] == "bad_state"
    assert out["publishes"] == 2
    # Every direct.send and room.send saw its state already saved (persist before send).
    assert len(out["persistedFirst"]) >= 4 and all(out["persistedFirst"])
    await peer.context.close()


FUZZ = """async ({ prekeyHeader, msgHeader, groupHeader, contents, envelope }) => {
  const { decodeRatchetHeader } = await import('/js/e2ee/ratchet.js');
  const { decodePrekeyHeader } = await import('/js/e2ee/x3dh.js');
  const { decodeGroupHeader } = await import('/js/e2ee/group.js');
  const { decodeContent } = await import('/js/e2ee/content.js');
  const { directEnvelopeFromWire } = await import('/js/e2ee/envelopes.js');
  const { E2eeError, CODES } = await import('/js/e2ee/bytes.js');
  const fromHex = (x) => new Uint8Array(x.match(/../g).map((b) => parseInt(b, 16)));
  const samples = [[decodePrekeyHeader, prekeyHeader], [decodeRatchetHeader, msgHeader], [decodeGroupHeader, groupHeader],
    ...contents.map((c) => [decodeContent, c])];
  const bad = [];
  let refused = 0;
  const attempt = async (fn, bytes, mustFail, what) => {
    try {
      await fn(bytes);
      if (mustFail) bad.push(`${fn.name} accepted ${what}`);
    } catch (err) {
      refused += 1;
      if (!(err instanceof E2eeError) || !CODES.includes(err.code)) bad.push(`${fn.name} ${what}: ${err && err.name}`);
    }
  };
  for (const [fn, hex] of samples) {
    const bytes = fromHex(hex);
    await attempt(fn, bytes, false, 'the original');
    for (let n = 0; n < bytes.length; n += 1) await attempt(fn, bytes.slice(0, n), true, `truncation ${n}`);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    longer[bytes.length] = 1;
    await attempt(fn, longer, true, 'a trailing byte');
    for (let i = 0; i < bytes.length; i += 1) {
      for (const bit of [0x01, 0x80]) {
        const flipped = bytes.slice();
        flipped[i] ^= bit;
        await attempt(fn, flipped, false, `flip ${i}`);
      }
    }
  }
  // (An empty string is a valid id, name or base64 here, as in e2ee.envelopes; decryption refuses it later.)
  const junk = [5, true, null, 'not base64!', [], {}];
  for (const name of Object.keys(envelope)) {
    const missing = { ...envelope };
    delete missing[name];
    if (!['commitment', 'stamp'].includes(name)) await attempt(directEnvelopeFromWire, missing, true, `missing ${name}`);
    for (const j of junk) {
      if (['commitment', 'stamp'].includes(name) && j === null) continue;
      if (['id', 'from'].includes(name) && typeof j === 'string') continue; // any text is a valid id or name
      if (name === 'ts' && j === 5) continue;
      await attempt(directEnvelopeFromWire, { ...envelope, [name]: j }, true, `${name}=${JSON.stringify(j)}`);
    }
  }
  return { bad, refused };
}"""


async def test_decoders_refuse_truncation_junk_and_flips_with_typed_errors(live_server, open_peer: OpenPeer) -> None:
    files = load_vectors()
    direct = files["iltapiiri_direct.json"]
    group = files["iltapiiri_group.json"]
    prekey = next(m for m in direct["messages"] if m["kind"] == "prekey")
    msg = next(m for m in direct["messages"] if m["kind"] == "msg")
    first = direct["messages"][0]
    envelope = {"id": "0" * 32, "ts": 1, "from": "alice", "from_key": direct["keys_fetch_reply"]["identity_key"],
                "kind": "prekey", "header": base64.b64encode(bytes.fromhex(first["header"])).decode(),
                "body": base64.b64encode(bytes.fromhex(first["body"])).decode(),
                "commitment": base64.b64encode(bytes.fromhex(first["commitment"])).decode()}
    peer = await open_peer(live_server.url, path="/selftest.html")
    out = await peer.page.evaluate(FUZZ, {
        "prekeyHeader": prekey["header"], "msgHeader": msg["header"], "groupHeader": group["messages"][0]["header"],
        "contents": [first["padded_plaintext"], group["distribution"]["padded_content"]], "envelope": envelope})
    assert out["bad"] == []
    assert out["refused"] > 500
    await peer.context.close()
