"""Review: the Iltapiiri vectors re-derived from the text of docs/crypto.md alone.

``test_vectors.py`` regenerates the files with ``e2ee`` and compares bytes, which proves the files
match the code, not the specification the browser port is written from. This file imports nothing
from ``e2ee``: it rebuilds the group and 1:1 vectors with ``hashlib``/``hmac``/``cryptography``
straight from the formulas in docs/crypto.md §3-§7, so a byte in the vectors that differs from
the written spec fails here even if code and vectors agree with each other.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
Z32 = bytes(32)


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def h(s: str) -> bytes:
    return bytes.fromhex(s)


def u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def var(b: bytes, width: int) -> bytes:
    return len(b).to_bytes(width, "big") + b


def mac(k: bytes, m: bytes) -> bytes:
    return hmac.new(k, m, hashlib.sha256).digest()


def hkdf(ikm: bytes, salt: bytes, info: bytes, n: int) -> bytes:
    return HKDF(hashes.SHA256(), n, salt, info).derive(ikm)


def x(priv: bytes, pub: bytes) -> bytes:
    out = X25519PrivateKey.from_private_bytes(priv).exchange(X25519PublicKey.from_public_bytes(pub))
    assert out != Z32
    return out


def xpub(priv: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes_raw()


def edpub(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def pad(b: bytes) -> bytes:
    return b + b"\x80" + bytes((-(len(b) + 1)) % 160)


def text_content(nf: bytes, text: str) -> bytes:
    return pad(b"\x01\x01" + nf + var(text.encode(), 4))


def commitment(nf: bytes, context: str, sender: bytes, ref: bytes, text: str) -> bytes:
    return mac(nf, b"iltapiiri/frank/v1\x00" + var(context.encode(), 2) + sender + var(ref, 2)
               + var(text.encode(), 4))


def stamp(key: bytes, cf: bytes, sender: bytes, room: str, ts: int) -> bytes:
    return mac(key, b"iltapiiri/frank-stamp/v1\x00" + cf + sender + room.encode() + b"\x00"
               + ts.to_bytes(8, "big"))


def account(b: bytes) -> dict[str, Any]:
    """docs/crypto.md §2: 01 11 | 01 10 seed dh | u32 next | u8 n (u32 id, 32) | u16 m (...)."""
    assert b[:4] == b"\x01\x11\x01\x10"
    seed, dh, pos = b[4:36], b[36:68], 72
    n = b[pos]
    pos += 1
    spk = {}
    for _ in range(n):
        spk[int.from_bytes(b[pos:pos + 4], "big")] = b[pos + 4:pos + 36]
        pos += 36
    m = int.from_bytes(b[pos:pos + 2], "big")
    pos += 2
    otpk = {}
    for _ in range(m):
        otpk[int.from_bytes(b[pos:pos + 4], "big")] = b[pos + 4:pos + 36]
        pos += 36
    assert pos == len(b)
    return {"seed": seed, "dh": dh, "ik": edpub(seed), "dk": xpub(dh), "spk": spk, "otpk": otpk}


def test_group_vectors_follow_the_written_spec() -> None:
    v = load("iltapiiri_group.json")
    room, epoch = v["room"], v["epoch"]
    alice = account(h(v["sender_account"]))
    rnd = h(v["create_random"])
    key_id, ck, sig_seed = int.from_bytes(rnd[:4], "big"), rnd[4:36], rnd[36:68]
    dist = v["distribution"]
    assert (dist["key_id"], dist["chain_key"]) == (key_id, ck.hex())
    assert dist["signing_key"] == edpub(sig_seed).hex()
    fields = (var(room.encode(), 1) + u32(epoch) + alice["ik"] + u32(key_id) + u32(0) + ck
              + edpub(sig_seed))
    assert dist["signed_bytes"] == (b"iltapiiri/sender-key/v1\x00" + fields).hex()
    Ed25519PublicKey.from_public_bytes(alice["ik"]).verify(h(dist["signature"]),
                                                          h(dist["signed_bytes"]))
    assert dist["padded_content"] == pad(b"\x01\x02" + fields + h(dist["signature"])).hex()

    signer = Ed25519PublicKey.from_public_bytes(edpub(sig_seed))
    for i, m in enumerate(v["messages"]):
        mk, ck = mac(ck, b"\x01"), mac(ck, b"\x02")
        key = hkdf(mk, Z32, b"iltapiiri/group-msg/v1", 32)
        assert (m["message_key"], m["aead_key"]) == (mk.hex(), key.hex())
        nf = h(m["franking_key"])
        cf = commitment(nf, room, alice["ik"], u32(epoch) + u32(key_id) + u32(i), m["text"])
        assert m["commitment"] == cf.hex()
        header = (b"\x01\x03" + var(room.encode(), 1) + u32(epoch) + alice["ik"] + u32(key_id)
                  + u32(i) + b"\x01" + cf)
        assert m["header"] == header.hex()
        nonce = h(m["nonce"])
        ct = AESGCM(key).encrypt(nonce, text_content(nf, m["text"]), b"iltapiiri/group/v1\x00" + header)
        body = h(m["body"])
        assert body[:-64] == nonce + ct
        signer.verify(body[-64:], b"iltapiiri/group-sig/v1\x00" + header + nonce + ct)
        assert m["stamp"] == stamp(h(v["stamp_key"]), cf, alice["ik"], room, m["ts"]).hex()

    c = v["control"]
    i = len(v["messages"])
    mk = mac(ck, b"\x01")
    header = (b"\x01\x03" + var(room.encode(), 1) + u32(epoch) + alice["ik"] + u32(key_id)
              + u32(i) + b"\x00")
    assert c["header"] == header.hex()
    body = h(c["body"])
    signer.verify(body[-64:], b"iltapiiri/group-sig/v1\x00" + header + body[:-64])
    plain = AESGCM(hkdf(mk, Z32, b"iltapiiri/group-msg/v1", 32)).decrypt(
        body[:12], body[12:-64], b"iltapiiri/group/v1\x00" + header)
    assert plain == pad(b"\x01\x03" + var(c["action"].encode(), 1) + var(b"", 2))


class Party:
    """The Double Ratchet of docs/crypto.md §5, lazy sending step, written from the text."""

    def __init__(self, rk: bytes, dhs: bytes, dhr: bytes | None, cks: bytes | None) -> None:
        self.rk, self.dhs, self.dhr, self.cks = rk, dhs, dhr, cks
        self.ckr: bytes | None = None
        self.ns = self.nr = self.pn = 0
        self.pending = False
        self.skipped: dict[tuple[bytes, int], bytes] = {}

    def send_key(self, new_dhs: bytes | None) -> tuple[bytes, bytes, int, int]:
        if self.pending:
            assert new_dhs is not None and self.dhr is not None
            self.dhs = new_dhs
            out = hkdf(x(self.dhs, self.dhr), self.rk, b"iltapiiri/dr-root/v1", 64)
            self.rk, self.cks = out[:32], out[32:]
            self.pn, self.ns, self.pending = self.ns, 0, False
        else:
            assert new_dhs is None
        assert self.cks is not None
        mk, self.cks = mac(self.cks, b"\x01"), mac(self.cks, b"\x02")
        self.ns += 1
        return mk, xpub(self.dhs), self.pn, self.ns - 1

    def recv_key(self, rkey: bytes, pn: int, n: int) -> bytes:
        if (rkey, n) in self.skipped:
            return self.skipped.pop((rkey, n))
        if rkey != self.dhr:
            self._skip(pn)
            self.dhr = rkey
            out = hkdf(x(self.dhs, rkey), self.rk, b"iltapiiri/dr-root/v1", 64)
            self.rk, self.ckr, self.nr, self.pending = out[:32], out[32:], 0, True
        self._skip(n)
        assert self.ckr is not None
        mk, self.ckr = mac(self.ckr, b"\x01"), mac(self.ckr, b"\x02")
        self.nr += 1
        return mk

    def _skip(self, until: int) -> None:
        while self.ckr is not None and self.nr < until:
            assert self.dhr is not None
            self.skipped[(self.dhr, self.nr)] = mac(self.ckr, b"\x01")
            self.ckr = mac(self.ckr, b"\x02")
            self.nr += 1


def test_direct_vectors_follow_the_written_spec() -> None:
    v = load("iltapiiri_direct.json")
    a, b = account(h(v["alice_account"])), account(h(v["bob_account"]))
    fetch = v["keys_fetch_reply"]
    spk_id, otpk_id = fetch["signed_prekey"]["id"], fetch["one_time_prekey"]["id"]
    spk_priv, otpk_priv = b["spk"][spk_id], b["otpk"][otpk_id]
    ek, r1 = h(v["alice_start_random"])[:32], h(v["alice_start_random"])[32:64]
    x3 = v["x3dh"]
    assert x3["alice_ephemeral_private"] == ek.hex()
    spk = xpub(spk_priv)
    dh = [x(a["dh"], spk), x(ek, b["dk"]), x(ek, spk), x(ek, xpub(otpk_priv))]
    assert [x3[f"dh{i + 1}"] for i in range(4)] == [d.hex() for d in dh]
    # Bob's side of each DH gives the same bytes
    assert dh == [x(spk_priv, a["dk"]), x(b["dh"], xpub(ek)), x(spk_priv, xpub(ek)),
                  x(otpk_priv, xpub(ek))]
    sk = hkdf(b"\xff" * 32 + b"".join(dh), Z32, b"iltapiiri/x3dh/v1", 32)
    assert x3["shared_secret"] == sk.hex()
    ad = b"iltapiiri/dr/v1\x00" + a["ik"] + a["dk"] + b["ik"] + b["dk"]
    assert len(ad) == 144 and x3["associated_data"] == ad.hex()
    out = hkdf(x(r1, spk), sk, b"iltapiiri/dr-root/v1", 64)
    parties = {"alice": Party(out[:32], r1, spk, out[32:]), "bob": Party(sk, spk_priv, None, None)}
    ids = {"alice": a["ik"], "bob": b["ik"]}
    prefix = (b"\x01\x01" + a["ik"] + a["dk"] + Ed25519PrivateKey.from_private_bytes(a["seed"]).sign(
        b"iltapiiri/dh-key/v1\x00" + a["dk"]) + xpub(ek) + u32(spk_id) + u32(otpk_id))
    assert len(prefix) == 170
    msgs = v["messages"]
    sent = 0
    alice_heard_back = False
    for step in v["script"]:
        if step[0] == "send":
            m = msgs[sent]
            sent += 1
            me, peer = m["from"], m["to"]
            rnd = [h(r) for r in m["send_random"]]
            nf, nonce = rnd[0], rnd[-1]
            mk, rkey, pn, n = parties[me].send_key(rnd[1] if len(rnd) == 3 else None)
            key = hkdf(mk, Z32, b"iltapiiri/dr-msg/v1", 32)
            assert (m["message_key"], m["aead_key"]) == (mk.hex(), key.hex())
            cf = commitment(nf, "direct", ids[me], ids[peer] + rkey + u32(n), m["text"])
            assert m["commitment"] == cf.hex()
            header = b"\x01\x02" + rkey + u32(pn) + u32(n) + b"\x01" + cf
            if me == "alice" and not alice_heard_back:
                header, kind = prefix + header, "prekey"
            else:
                kind = "msg"
            assert (m["kind"], m["header"]) == (kind, header.hex())
            plain = text_content(nf, m["text"])
            assert m["padded_plaintext"] == plain.hex()
            assert m["body"] == (nonce + AESGCM(key).encrypt(nonce, plain, ad + header)).hex()
        else:
            m = msgs[step[1]]
            header = h(m["header"])
            rh = header[-75:]
            rkey, pn, n = rh[2:34], int.from_bytes(rh[34:38], "big"), int.from_bytes(rh[38:42], "big")
            mk = parties[m["to"]].recv_key(rkey, pn, n)
            body = h(m["body"])
            plain = AESGCM(hkdf(mk, Z32, b"iltapiiri/dr-msg/v1", 32)).decrypt(
                body[:12], body[12:], ad + header)
            assert plain.hex() == m["padded_plaintext"]
            if m["to"] == "alice":
                alice_heard_back = True
    assert sent == len(msgs)


def test_franking_vector_follows_the_written_spec() -> None:
    v = load("iltapiiri_franking.json")
    ref, sender = h(v["message_ref"]), h(v["sender_key"])
    cin = (b"iltapiiri/frank/v1\x00" + var(v["context"].encode(), 2) + sender + var(ref, 2)
           + var(v["text"].encode(), 4))
    assert v["commitment_input"] == cin.hex()
    assert v["commitment"] == mac(h(v["franking_key"]), cin).hex()
    assert v["stamp"] == stamp(h(v["stamp_key"]), h(v["commitment"]), sender, v["room"], v["ts"]).hex()


def test_safety_vector_follows_the_written_spec() -> None:
    v = load("iltapiiri_safety.json")

    def digits(k: bytes) -> str:
        d = hashlib.sha512(b"iltapiiri/safety/v1\x00" + k).digest()
        for _ in range(5199):
            d = hashlib.sha512(d + k).digest()
        return "".join(f"{int.from_bytes(d[i:i + 5], 'big') % 100000:05d}" for i in range(0, 30, 5))

    da, db = digits(h(v["key_a"])), digits(h(v["key_b"]))
    assert (v["digits_a"], v["digits_b"]) == (da, db)
    assert v["safety_number"] == "".join(sorted((da, db)))
    assert v["formatted"] == " ".join(v["safety_number"][i:i + 5] for i in range(0, 60, 5))


def test_identity_vector_follows_the_written_spec() -> None:
    v = load("iltapiiri_identity.json")
    acc = account(h(v["account"]))
    assert (v["identity_key"], v["dh_key"]) == (acc["ik"].hex(), acc["dk"].hex())
    ik = Ed25519PublicKey.from_public_bytes(acc["ik"])
    ik.verify(h(v["dh_sig"]), b"iltapiiri/dh-key/v1\x00" + acc["dk"])
    ik.verify(h(v["auth_signature"]), b"iltapiiri/auth/v2\x00" + h(v["auth_server_key"])
              + h(v["auth_challenge"]) + acc["ik"])


def test_random_draws_come_from_the_documented_stream() -> None:
    """docs/crypto.md §11: SHA-256(seed ‖ u64 0) ‖ SHA-256(seed ‖ u64 1) ‖ …, drawn in order."""

    def stream(seed: str) -> bytes:
        return b"".join(hashlib.sha256(seed.encode() + i.to_bytes(8, "big")).digest()
                        for i in range(16))

    g = load("iltapiiri_group.json")  # two accounts (96 each), then key_id, chain, signing seed
    assert stream(g["rng_seed"])[192:260].hex() == g["create_random"]
    d = load("iltapiiri_direct.json")  # two accounts, bob's one-time prekey, then EK, ratchet key
    assert stream(d["rng_seed"])[224:288].hex() == d["alice_start_random"]
