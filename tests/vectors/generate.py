"""Generate Iltapiiri's own protocol vectors (``iltapiiri_*.json``) deterministically.

Run ``python -m tests.vectors.generate`` from the repository root to rewrite the files; the test
suite regenerates them in memory and requires byte-for-byte equality, so a protocol change shows
up as a vector diff in review.

Randomness comes from ``SeededRng``: the byte stream ``SHA-256(seed || u64 0) || SHA-256(seed ||
u64 1) || ...`` (counter big-endian); ``rng(n)`` returns the next ``n`` bytes of that stream. A
port that draws in the order docs/crypto.md states reproduces every byte. Each file also lists
the intermediate values (DH outputs, keys, nonces) so a port can find where it diverges.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from e2ee import (
    Account,
    ControlContent,
    DeviceIdentity,
    DirectSessions,
    FrankingOpening,
    GroupKeys,
    PrekeyBundle,
    TextContent,
    encode_content,
    format_safety_number,
    make_stamp,
    pad,
    safety_number,
    seal_report,
    sign_membership,
)
from e2ee import primitives as p
from e2ee.encoding import b64e
from e2ee.envelopes import DirectEnvelope, Outgoing
from e2ee.franking import commitment_input
from e2ee.group_wire import group_aead_key, group_chain_step
from e2ee.membership import membership_message
from e2ee.pow import solve as solve_pow
from e2ee.ratchet import message_aead_key
from e2ee.safety import fingerprint_digits
from e2ee.session import Session
from e2ee.team import TeamKey, seal_note, wrap_team_key
from e2ee.x3dh import associated_data, shared_secret

OUT = Path(__file__).resolve().parent
h = bytes.fromhex
ROOM = "ilta-ryhma/2026-11-26"
SERVER_SEED = bytes(range(32))
STAMP_KEY = hashlib.sha256(b"iltapiiri test relay franking key").digest()
TS0 = 1_795_000_000_000


class SeededRng:
    """Deterministic byte stream for vectors and tests; never for real keys."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0
        self._buf = b""

    def __call__(self, n: int) -> bytes:
        while len(self._buf) < n:
            self._buf += hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def copy(self) -> SeededRng:
        """Independent copy at the same position (to peek at what the next draws will be)."""
        return copy.copy(self)


def hx(b: bytes | None) -> str | None:
    return None if b is None else b.hex()


def _env(out: Outgoing, sender: DirectSessions, name: str, ts: int) -> DirectEnvelope:
    return DirectEnvelope(
        f"d{ts}", ts, name, sender.account.identity_key, out.kind, out.header, out.body,
        out.commitment, None,
    )


def identity_vectors() -> dict[str, Any]:
    rng = SeededRng(b"iltapiiri/vectors/identity")
    acc = Account.create(rng)
    publish = acc.keys_publish(2, rng)
    challenge = bytes(range(32, 64))
    server_key = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    return {
        "rng_seed": "iltapiiri/vectors/identity",
        "draws": "ed25519 seed 32, dh private 32, signed prekey 32, one-time prekeys 32 each",
        "account": hx(acc.to_bytes()),
        "identity_key": hx(acc.identity_key),
        "dh_key": hx(acc.identity.dh_key),
        "dh_sig": hx(acc.identity.dh_sig),
        "keys_publish": publish,
        "auth_challenge": hx(challenge),
        "auth_server_key": hx(server_key),
        "auth_signature": hx(acc.sign_auth_challenge(challenge, server_key)),
    }


def direct_vectors() -> dict[str, Any]:
    rng = SeededRng(b"iltapiiri/vectors/direct")
    alice = DirectSessions(Account.create(rng), pseudonym="alice")
    bob = DirectSessions(Account.create(rng), pseudonym="bob")
    bob_pub = bob.account.keys_publish(1, rng)
    fetch_reply = {
        "pseudonym": "bob", "identity_key": b64e(bob.account.identity_key),
        "dh_key": bob_pub["dh_key"], "dh_sig": bob_pub["dh_sig"],
        "signed_prekey": bob_pub["signed_prekey"],
        "one_time_prekey": bob_pub["one_time_prekeys"][0],
    }
    bundle = PrekeyBundle.from_fetch(fetch_reply)
    bob_account_before = bob.account.to_bytes()
    alice_account = alice.account.to_bytes()
    start_random = rng.copy()(64)
    ek = start_random[:32]
    a_id, b_id = alice.account.identity, bob.account.identity
    assert bundle.one_time_prekey_id is not None
    otpk_priv = bob.account.one_time_prekey_private(bundle.one_time_prekey_id)
    dhs = [
        p.x25519(a_id.dh_private, bundle.signed_prekey), p.x25519(ek, b_id.dh_key),
        p.x25519(ek, bundle.signed_prekey), p.x25519(ek, p.x25519_public(otpk_priv)),
    ]
    alice.start(bundle, rng)
    x3dh = {
        "alice_ephemeral_private": hx(ek),
        "dh1": hx(dhs[0]), "dh2": hx(dhs[1]), "dh3": hx(dhs[2]), "dh4": hx(dhs[3]),
        "shared_secret": hx(shared_secret(dhs)),
        "associated_data": hx(associated_data(a_id.identity_key, a_id.dh_key, b_id.identity_key, b_id.dh_key)),
    }
    parties = {"alice": alice, "bob": bob}
    other = {"alice": "bob", "bob": "alice"}
    # A script of sends and deliveries: 2 arrives before 0 and 1, and 1 arrives only after a
    # DH step (a skipped key from an old chain).
    script: list[tuple[str, Any]] = [
        ("send", ("alice", "hei bob, täällä alice")), ("send", ("alice", "toinen viesti")),
        ("send", ("alice", "kolmas")), ("recv", 2), ("recv", 0), ("send", ("bob", "moi alice!")),
        ("recv", 3), ("send", ("alice", "neljäs")), ("recv", 4), ("recv", 1),
        ("send", ("bob", "hyvää yötä")), ("recv", 5),
    ]
    messages: list[dict[str, Any]] = []
    for op, arg in script:
        if op == "recv":
            m = messages[arg]
            out = Outgoing(m["kind"], bytes.fromhex(m["header"]), bytes.fromhex(m["body"]),
                           bytes.fromhex(m["commitment"]))
            got = parties[m["to"]].decrypt(_env(out, parties[m["from"]], m["from"], m["ts"]))
            assert got.text == m["text"]
            continue
        who, text = arg
        me, peer = parties[who], parties[other[who]]
        fk = rng(32)
        probe = rng.copy()
        session: Session = me.store.get(peer.account.identity_key)[0]
        mk = session.state.clone().next_send_key(probe)[0]
        draws: list[bytes] = [fk]

        def recording(n: int, draws: list[bytes] = draws) -> bytes:
            draws.append(rng(n))
            return draws[-1]

        out = me.encrypt(peer.account.identity_key, TextContent(text, fk), recording)
        i = len(messages)
        messages.append({
            "index": i, "from": who, "to": other[who], "text": text, "franking_key": hx(fk),
            "send_random": [d.hex() for d in draws],
            "message_key": hx(mk), "aead_key": hx(message_aead_key(mk)), "nonce": hx(out.body[:12]),
            "padded_plaintext": hx(encode_content(TextContent(text, fk))),
            "kind": out.kind, "header": hx(out.header), "body": hx(out.body),
            "commitment": hx(out.commitment), "ts": TS0 + i,
        })
    return {
        "rng_seed": "iltapiiri/vectors/direct",
        "draws": "alice account (96), bob account (96), bob one-time prekey (32), alice EK (32), "
                 "alice first ratchet key (32), then per message: franking key 32, "
                 "[new ratchet key 32 if a DH step is pending], nonce 12",
        "alice_account": hx(alice_account), "bob_account": hx(bob_account_before),
        "keys_fetch_reply": fetch_reply, "alice_start_random": hx(start_random),
        "x3dh": x3dh, "messages": messages,
        "script": [[op, arg if op == "recv" else arg[0]] for op, arg in script],
    }


def group_vectors() -> dict[str, Any]:
    rng = SeededRng(b"iltapiiri/vectors/group")
    alice = DirectSessions(Account.create(rng), pseudonym="alice")
    bob = DirectSessions(Account.create(rng), pseudonym="bob")
    ga = GroupKeys(alice.account.identity)
    create_random = rng.copy()(4 + 32 + 32)
    dist = ga.create_sender_key(ROOM, 7, rng)
    chain0 = dist.chain_key
    msgs = []
    ck = chain0
    for i, text in enumerate(["tervetuloa kaikki", "ensimmäinen ilta", "kiitos"]):
        fk = rng(32)
        mk, ck = group_chain_step(ck)
        nonce = rng.copy()(12)
        out = ga.encrypt(ROOM, TextContent(text, fk), rng)
        assert out.commitment is not None
        ts = TS0 + 1000 + i
        msgs.append({
            "seq": i + 1, "ts": ts, "text": text, "franking_key": hx(fk), "nonce": hx(nonce),
            "message_key": hx(mk),
            "aead_key": hx(group_aead_key(mk)), "header": hx(out.header), "body": hx(out.body),
            "commitment": hx(out.commitment),
            "stamp": hx(make_stamp(STAMP_KEY, out.commitment, alice.account.identity_key, ROOM, ts)),
        })
    control = ga.encrypt(ROOM, ControlContent("rotated"), rng)
    return {
        "rng_seed": "iltapiiri/vectors/group",
        "draws": "alice account (96), bob account (96), key_id 4, chain key 32, signing seed 32, "
                 "per text: franking key 32, nonce 12",
        "room": ROOM, "epoch": 7, "stamp_key": hx(STAMP_KEY),
        "create_random": hx(create_random),
        "sender_account": hx(alice.account.to_bytes()),
        "receiver_account": hx(bob.account.to_bytes()),
        "distribution": {
            "key_id": dist.key_id, "iteration": dist.iteration, "chain_key": hx(dist.chain_key),
            "signing_key": hx(dist.signing_key), "signature": hx(dist.signature),
            "signed_bytes": hx(dist.signed_bytes()), "padded_content": hx(encode_content(dist)),
        },
        "messages": msgs,
        "control": {"seq": 4, "ts": TS0 + 1003, "action": "rotated", "header": hx(control.header),
                    "body": hx(control.body)},
    }


def franking_vectors() -> dict[str, Any]:
    fk = hashlib.sha256(b"franking key").digest()
    sender = hashlib.sha256(b"sender identity").digest()
    ref = (7).to_bytes(4, "big") + (0xDEADBEEF).to_bytes(4, "big") + (41).to_bytes(4, "big")
    text = "Tämä viesti raportoidaan."
    inp = commitment_input(ROOM, sender, ref, text)
    cf = p.hmac_sha256(fk, inp)
    ts = TS0 + 5
    stamp = make_stamp(STAMP_KEY, cf, sender, ROOM, ts)
    return {
        "franking_key": hx(fk), "context": ROOM, "sender_key": hx(sender), "message_ref": hx(ref),
        "text": text, "commitment_input": hx(inp), "commitment": hx(cf),
        "stamp_key": hx(STAMP_KEY), "room": ROOM, "ts": ts, "stamp": hx(stamp),
    }


def report_vectors() -> dict[str, Any]:
    """A franked message's opening sealed to one moderator (e2ee/reports.py), and the cases a
    moderator must refuse: the same box under another commitment, and an altered text."""
    rng = SeededRng(b"iltapiiri/vectors/report")
    moderator = DeviceIdentity(hashlib.sha256(b"moderator seed").digest(),
                               hashlib.sha256(b"moderator dh").digest())
    fv = franking_vectors()
    opening = FrankingOpening(
        text=fv["text"], franking_key=h(fv["franking_key"]), commitment=h(fv["commitment"]),
        context=ROOM, sender_key=h(fv["sender_key"]), message_ref=h(fv["message_ref"]),
        room=ROOM, ts=fv["ts"], stamp=h(fv["stamp"]))
    note = "Uhkaili toista."
    sealed = seal_report(opening, note, to=moderator.identity_key, dh_key=moderator.dh_key,
                         rng=rng)
    altered = replace(opening, text=fv["text"] + "!")
    return {
        "rng_seed": "iltapiiri/vectors/report",
        "description": "rng draws: the ephemeral X25519 private key (32)",
        "moderator_signing_seed": hx(moderator.signing_seed),
        "moderator_dh_private": hx(moderator.dh_private),
        "moderator_identity_key": hx(moderator.identity_key), "moderator_dh_key": hx(moderator.dh_key),
        "room": ROOM, "commitment": fv["commitment"], "sender_key": fv["sender_key"],
        "ts": fv["ts"], "note": note, "opening": hx(opening.to_bytes()),
        "sealed": sealed.to_wire(),
        "altered_opening": hx(altered.to_bytes()),
        "altered_sealed": seal_report(altered, note, to=moderator.identity_key,
                                      dh_key=moderator.dh_key, rng=rng).to_wire(),
    }


def team_vectors() -> dict[str, Any]:
    """The counsellor team key (e2ee/team.py): a wrap of epoch 1 to a counsellor, made by an
    admin, and a closing note sealed to the team key, with the cases a reader must refuse."""
    rng = SeededRng(b"iltapiiri/vectors/team")
    counsellor = DeviceIdentity(hashlib.sha256(b"counsellor seed").digest(),
                                hashlib.sha256(b"counsellor dh").digest())
    admin = DeviceIdentity(hashlib.sha256(b"admin seed").digest(),
                           hashlib.sha256(b"admin dh").digest())
    key = TeamKey.create(1, rng)
    wrap = wrap_team_key(key, to=counsellor.identity_key, dh_key=counsellor.dh_key, maker=admin,
                         rng=rng)
    case_id = "c-7Hq2mZ"
    text = "Soitti kriisipuhelimeen, sopi tapaamisen huomenna. Tunsi olonsa turvallisemmaksi."
    note = seal_note(text, case_id=case_id, epoch=key.epoch, team_key=key.public, rng=rng)
    return {
        "rng_seed": "iltapiiri/vectors/team",
        "description": "rng draws, in order: team private key (32), the wrap's ephemeral "
                       "X25519 private key (32), the note's ephemeral X25519 private key (32)",
        "counsellor_signing_seed": hx(counsellor.signing_seed),
        "counsellor_dh_private": hx(counsellor.dh_private),
        "counsellor_identity_key": hx(counsellor.identity_key), "counsellor_dh_key": hx(counsellor.dh_key),
        "maker_signing_seed": hx(admin.signing_seed),
        "maker_identity_key": hx(admin.identity_key),
        "epoch": key.epoch, "team_private": hx(key.private), "team_public": hx(key.public),
        "wrap": wrap.to_wire(),
        "case_id": case_id, "text": text, "note": hx(note),
        "other_case_id": "c-other",
    }


def safety_vectors() -> dict[str, Any]:
    a = hashlib.sha256(b"identity a").digest()
    b = hashlib.sha256(b"identity b").digest()
    n = safety_number(a, b)
    return {"key_a": hx(a), "key_b": hx(b), "digits_a": fingerprint_digits(a),
            "digits_b": fingerprint_digits(b), "safety_number": n,
            "formatted": format_safety_number(n)}


def padding_vectors() -> dict[str, Any]:
    ok = [{"length": n, "padded": hx(pad(bytes([0x41]) * n))} for n in (0, 1, 158, 159, 160, 161)]
    bad = [
        {"padded": hx(b"A" * 159), "why": "length not a multiple of 160"},
        {"padded": hx(bytes(160)), "why": "no 0x80 marker"},
        {"padded": hx(b"A" * 159 + b"\x81"), "why": "last non-zero byte is not 0x80"},
        {"padded": hx(b"A" + b"\x80" + bytes(318)), "why": "more than 160 bytes of padding"},
    ]
    return {"block": 160, "valid": ok, "invalid": bad}


def membership_vectors() -> dict[str, Any]:
    keys = [hashlib.sha256(bytes([i])).digest() for i in range(3)]
    # v2: roles are signed. m0 is a moderator; the same event with m0 claiming "peer" (or m1
    # claiming "moderator") must fail, so a badge can only come from the server's signature.
    roles = ["moderator", "peer"]
    ev = {"room": ROOM, "epoch": 4, "event": "removed", "pseudonym": "Kettu",
          "identity_key": b64e(keys[2]), "role": "peer",
          "members": [{"pseudonym": f"m{i}", "identity_key": b64e(k), "role": roles[i]}
                      for i, k in enumerate(keys[:2])],
          "at": TS0 + 9}
    listed = list(zip(keys[:2], roles, strict=True))
    sig = sign_membership(SERVER_SEED, ROOM, 4, "removed", keys[2], "peer", listed, TS0 + 9)
    text = membership_message(ROOM, 4, "removed", keys[2], "peer", listed, TS0 + 9).decode()
    forged = {**ev, "sig": b64e(sig),
              "members": [{**ev["members"][0], "role": "peer"},  # type: ignore[index]
                          {**ev["members"][1], "role": "moderator"}]}  # type: ignore[index]
    return {"server_seed": hx(SERVER_SEED), "server_key": hx(p.ed25519_public(SERVER_SEED)),
            "signed_text": text, "event": {**ev, "sig": b64e(sig)},
            "forged_roles": {"why": "the roles of m0 and m1 swapped under the same signature",
                             "event": forged},
            "forged_subject_role": {"why": "the subject claims moderator under the same signature",
                                    "event": {**ev, "sig": b64e(sig), "role": "moderator"}}}


def pow_vectors() -> dict[str, Any]:
    challenge, key, bits = bytes(range(100, 132)), bytes(range(200, 232)), 14
    return {
        "description": "sign-in proof of work (e2ee/pow.py): the first nonce from 0 whose "
                       "SHA-256(label || challenge || identity_key || nonce u64 BE) opens with "
                       "`bits` zero bits",
        "label": "iltapiiri/pow/v1\u0000",
        "challenge": hx(challenge),
        "identity_key": hx(key),
        "bits": bits,
        "nonce": solve_pow(challenge, key, bits),
    }


def generate() -> dict[str, str]:
    """File name -> exact file text of every Iltapiiri vector file."""
    files = {
        "iltapiiri_identity.json": identity_vectors(),
        "iltapiiri_direct.json": direct_vectors(),
        "iltapiiri_group.json": group_vectors(),
        "iltapiiri_franking.json": franking_vectors(),
        "iltapiiri_report.json": report_vectors(),
        "iltapiiri_safety.json": safety_vectors(),
        "iltapiiri_team.json": team_vectors(),
        "iltapiiri_padding.json": padding_vectors(),
        "iltapiiri_membership.json": membership_vectors(),
        "iltapiiri_pow.json": pow_vectors(),
    }
    return {
        name: json.dumps(data, indent=2, ensure_ascii=False) + "\n" for name, data in files.items()
    }


def main() -> int:
    for name, text in generate().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
