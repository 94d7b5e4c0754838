"""Group sender keys: five members, tampering, replays, rotation, late joiners (in memory)."""

from __future__ import annotations

import dataclasses

import pytest

from e2ee import (
    Account,
    ControlContent,
    DecodeError,
    E2EEError,
    GroupEnvelope,
    GroupKeys,
    LimitError,
    MismatchError,
    ReplayError,
    SenderKeyDistribution,
    SignatureError,
    StateError,
    UnknownKeyError,
    limits,
    verify_report,
)

from .helpers import STAMP_KEY, SeededRng, group_env

ROOM = "tukiryhma/2026-11-26"


class Member:
    """One member: account + group keys (distributions are handed over directly: the 1:1
    transport is covered in test_direct)."""

    def __init__(self, name: str, rng: SeededRng) -> None:
        self.name = name
        self.account = Account.create(rng)
        self.keys = GroupKeys(self.account.identity)

    @property
    def key(self) -> bytes:
        return self.account.identity_key


class Room:
    def __init__(self, rng: SeededRng) -> None:
        self.rng = rng
        self.seq = 0
        self.epoch = 1
        self.members: list[Member] = []

    def join(self, m: Member) -> None:
        """m makes a key; everyone swaps current distributions with m (m reads forward)."""
        self.epoch += 1
        mine = m.keys.create_sender_key(ROOM, self.epoch, self.rng)
        for other in self.members:
            assert other.keys.process_distribution(mine, m.key)
            assert m.keys.process_distribution(other.keys.distribution(ROOM), other.key)
        self.members.append(m)

    def remove(self, m: Member) -> None:
        """m leaves: every remaining sender rotates and redistributes to the rest only."""
        self.members.remove(m)
        self.epoch += 1
        for s in self.members:
            s.keys.forget_sender(ROOM, m.key)
            d = s.keys.create_sender_key(ROOM, self.epoch, self.rng)
            for r in self.members:
                if r is not s:
                    assert r.keys.process_distribution(d, s.key)

    def send(self, m: Member, text: str) -> GroupEnvelope:
        out = m.keys.encrypt_text(ROOM, text, self.rng)
        self.seq += 1
        return group_env(out, ROOM, m.key, self.seq, sender=m.name)


@pytest.fixture
def rng() -> SeededRng:
    return SeededRng(b"test_group")


def five(rng: SeededRng) -> tuple[Room, list[Member]]:
    room = Room(rng)
    members = [Member(n, rng) for n in ("a", "b", "c", "d", "e")]
    for m in members:
        room.join(m)
    return room, members


def test_group_of_five_everyone_reads_everyone(rng: SeededRng) -> None:
    room, ms = five(rng)
    for sender in ms:
        for i in range(2):
            env = room.send(sender, f"{sender.name}:{i}")
            for r in ms:
                if r is not sender:
                    got = r.keys.decrypt(env)
                    assert got.text == f"{sender.name}:{i}"
                    assert got.sender_key == sender.key
                    assert got.opening is not None
                    verify_report(got.opening, STAMP_KEY)


def test_out_of_order_and_replay(rng: SeededRng) -> None:
    room, ms = five(rng)
    a, b = ms[0], ms[1]
    envs = [room.send(a, f"m{i}") for i in range(4)]
    assert b.keys.decrypt(envs[3]).text == "m3"
    assert b.keys.decrypt(envs[1]).text == "m1"
    for e in (envs[3], envs[1]):
        with pytest.raises(ReplayError):
            b.keys.decrypt(e)
    assert b.keys.decrypt(envs[0]).text == "m0"
    assert b.keys.decrypt(envs[2]).text == "m2"
    with pytest.raises(ReplayError):
        b.keys.decrypt(dataclasses.replace(envs[2], seq=99))  # a re-sent copy with a new seq


def test_tamper_every_byte(rng: SeededRng) -> None:
    room, ms = five(rng)
    a, b = ms[0], ms[1]
    env = room.send(a, "pieni")
    before = b.keys.to_bytes()
    for field in ("header", "body"):
        data = getattr(env, field)
        for i in range(len(data)):
            bad = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]
            with pytest.raises(E2EEError):
                b.keys.decrypt(dataclasses.replace(env, **{field: bad}))
        for cut in (data[:-1], data + b"\x00"):
            with pytest.raises(E2EEError):
                b.keys.decrypt(dataclasses.replace(env, **{field: cut}))
    assert b.keys.to_bytes() == before
    assert b.keys.decrypt(env).text == "pieni"


def test_signature_stops_a_member_forging_another(rng: SeededRng) -> None:
    """Bob holds Alice's chain key, so he can make a valid AEAD; only the signature stops him."""
    from e2ee import TextContent
    from e2ee import primitives as p
    from e2ee.content import encode_content
    from e2ee.franking import make_commitment
    from e2ee.group_wire import (
        GROUP_AD_LABEL,
        GroupHeader,
        group_aead_key,
        group_chain_step,
        group_message_ref,
        signature_input,
    )

    _room, ms = five(rng)
    a, b, c = ms[0], ms[1], ms[2]
    d = a.keys.distribution(ROOM)  # what Bob received
    content = TextContent.new("väärennös", rng)
    cm = make_commitment(content.franking_key, ROOM, a.key,
                         group_message_ref(d.epoch, d.key_id, d.iteration), content.text)
    hb = GroupHeader(ROOM, d.epoch, a.key, d.key_id, d.iteration, cm).encode()
    mk, _ = group_chain_step(d.chain_key)
    nonce = rng(12)
    ct = p.aead_encrypt(group_aead_key(mk), nonce, encode_content(content), GROUP_AD_LABEL + hb)
    bob_sig = b.account.identity.sign(signature_input(hb, nonce, ct))  # the best Bob can do
    forged = GroupEnvelope(ROOM, 1, 1, "a", a.key, "group", hb, nonce + ct + bob_sig, cm)
    with pytest.raises(SignatureError):
        c.keys.decrypt(forged)


def test_wrong_room_sender_epoch_and_moved_index(rng: SeededRng) -> None:
    room, ms = five(rng)
    a, b, c = ms[0], ms[1], ms[2]
    env = room.send(a, "paikallaan")
    with pytest.raises(MismatchError):  # envelope moved to another room by the relay
        b.keys.decrypt(dataclasses.replace(env, room="toinen/2026-11-26"))
    with pytest.raises(MismatchError):  # attributed to another sender
        b.keys.decrypt(dataclasses.replace(env, sender_key=c.key))
    # Header rewritten consistently to another room/epoch/index: signature and AD fail.
    from e2ee.group_wire import GroupHeader

    h = GroupHeader.decode(env.header)
    for changed in (
        dataclasses.replace(h, epoch=h.epoch + 1),
        dataclasses.replace(h, iteration=h.iteration + 1),
        dataclasses.replace(h, key_id=h.key_id ^ 1),
    ):
        with pytest.raises(E2EEError):
            b.keys.decrypt(dataclasses.replace(env, header=changed.encode()))
    # Same sender key id moved to another room: no key there.
    other = dataclasses.replace(h, room="toinen/2026-11-26").encode()
    with pytest.raises(UnknownKeyError):
        b.keys.decrypt(dataclasses.replace(env, header=other, room="toinen/2026-11-26"))
    assert b.keys.decrypt(env).text == "paikallaan"


def test_removed_member_cannot_read_after_rotation(rng: SeededRng) -> None:
    room, ms = five(rng)
    a, e = ms[0], ms[4]
    assert e.keys.decrypt(room.send(a, "ennen")).text == "ennen"
    room.remove(e)
    after = room.send(a, "jälkeen")
    with pytest.raises(UnknownKeyError):
        e.keys.decrypt(after)
    for r in ms[1:4]:
        assert r.keys.decrypt(after).text == "jälkeen"
    # Every remaining sender rotated: nothing any of them sends is readable by e.
    for s in ms[1:4]:
        with pytest.raises(UnknownKeyError):
            e.keys.decrypt(room.send(s, "salaisuus"))


def test_late_joiner_reads_forward_only(rng: SeededRng) -> None:
    room, ms = five(rng)
    a = ms[0]
    early = [room.send(a, f"varhain {i}") for i in range(3)]
    late = Member("late", rng)
    room.join(late)
    for env in early:
        with pytest.raises(UnknownKeyError):
            late.keys.decrypt(env)
    assert late.keys.decrypt(room.send(a, "nyt")).text == "nyt"


def test_distribution_checks(rng: SeededRng) -> None:
    room, ms = five(rng)
    a, b, c = ms[0], ms[1], ms[2]
    d = a.keys.distribution(ROOM)
    with pytest.raises(MismatchError):  # arrived over c's 1:1 session but names a
        b.keys.process_distribution(d, c.key)
    with pytest.raises(MismatchError):
        b.keys.process_distribution(d, a.key, room="muu/2026-11-26")
    with pytest.raises(MismatchError):
        b.keys.process_distribution(d, a.key, min_epoch=d.epoch + 1)
    assert not b.keys.process_distribution(d, a.key, room=ROOM, min_epoch=d.epoch)
    fake = dataclasses.replace(d, key_id=d.key_id ^ 1, sender_key=c.key)
    with pytest.raises(SignatureError):
        b.keys.process_distribution(fake, c.key)
    tampered = dataclasses.replace(d, key_id=d.key_id ^ 1, chain_key=bytes(32))
    with pytest.raises(SignatureError):
        b.keys.process_distribution(tampered, a.key)
    # A re-sent distribution at an older iteration cannot rewind the chain into replays.
    env = room.send(a, "kerran")
    b.keys.decrypt(env)
    assert not b.keys.process_distribution(d, a.key)
    with pytest.raises(ReplayError):
        b.keys.decrypt(env)


def test_forward_jump_bound_and_no_key(rng: SeededRng) -> None:
    room, ms = five(rng)
    a, b = ms[0], ms[1]
    st = a.keys._mine[ROOM]
    for _ in range(limits.MAX_FORWARD_JUMP + 1):  # lose that many messages
        st.iteration += 1
        from e2ee.group_wire import group_chain_step

        st.chain_key = group_chain_step(st.chain_key)[1]
    with pytest.raises(LimitError):
        b.keys.decrypt(room.send(a, "kaukana"))
    outsider = Member("x", rng)
    with pytest.raises(StateError):
        outsider.keys.encrypt_text(ROOM, "ei avainta", rng)
    with pytest.raises(UnknownKeyError):
        outsider.keys.decrypt(room.send(b, "ei sinulle"))


def test_drop_room_and_serialise(rng: SeededRng) -> None:
    room, ms = five(rng)
    a, b = ms[0], ms[1]
    env1, env2 = room.send(a, "yksi"), room.send(a, "kaksi")
    b.keys.decrypt(env2)
    restored = GroupKeys.from_bytes(b.account.identity, b.keys.to_bytes())
    assert restored.decrypt(env1).text == "yksi"
    with pytest.raises(ReplayError):
        restored.decrypt(env2)
    assert ROOM in b.keys.rooms()
    b.keys.drop_room(ROOM)
    assert b.keys.rooms() == []
    with pytest.raises(UnknownKeyError):
        b.keys.decrypt(room.send(a, "kolme"))
    with pytest.raises(StateError):
        b.keys.encrypt_text(ROOM, "ei enää", rng)


def test_control_in_group_and_distribution_refused(rng: SeededRng) -> None:
    room, ms = five(rng)
    a, b = ms[0], ms[1]
    out = a.keys.encrypt(ROOM, ControlContent("rotated"), rng)
    room.seq += 1
    got = b.keys.decrypt(group_env(out, ROOM, a.key, room.seq))
    assert isinstance(got.content, ControlContent) and got.opening is None
    d = a.keys.distribution(ROOM)
    assert isinstance(d, SenderKeyDistribution)
    leak = a.keys.encrypt(ROOM, d, rng)
    with pytest.raises(MismatchError):
        b.keys.decrypt(group_env(leak, ROOM, a.key, room.seq + 1))
    with pytest.raises(DecodeError):
        b.keys.decrypt(dataclasses.replace(group_env(out, ROOM, a.key, 9), kind="msg"))


def test_needs_rotation_by_count_and_age(rng: SeededRng) -> None:
    acc = Account.create(rng)
    keys = GroupKeys(acc.identity)
    assert keys.needs_rotation(ROOM, 0)
    keys.create_sender_key(ROOM, 1, rng, now_ms=1_000)
    assert not keys.needs_rotation(ROOM, 1_000)
    assert keys.needs_rotation(ROOM, 1_000 + limits.MAX_SENDER_KEY_AGE_MS)
    for _ in range(3):
        keys.encrypt_text(ROOM, "x", rng)
    assert keys.needs_rotation(ROOM, 1_000, max_messages=3)
    assert not keys.needs_rotation(ROOM, 1_000, max_messages=4)
    again = GroupKeys.from_bytes(acc.identity, keys.to_bytes())
    assert again.needs_rotation(ROOM, 1_000 + limits.MAX_SENDER_KEY_AGE_MS)
    assert not again.needs_rotation(ROOM, 1_000)
