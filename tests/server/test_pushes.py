"""Typed pushes: the wire form each client reads, and reprs without keys, names or ciphertext."""

from __future__ import annotations

import base64

from moderation.alerts import Alert, AlertState, Audience, Delivery
from moderation.flags import FlagSource, RiskSummary
from moderation.notices import Notice
from server.domain.records import Member, QueuedEnvelope
from server.domain.roles import Role
from server.wire.pushes import (
    PUSHES,
    AlertUpdate,
    DirectEnvelope,
    DirectTypingPush,
    Membership,
    ModAlert,
    ModNotice,
    RoomEnvelope,
    RoomNotice,
    RoomTombstone,
)

KEY = b"K" * 32


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_room_envelope_keeps_its_wire_names_and_stamps_only_with_a_commitment() -> None:
    push = RoomEnvelope(room="r/2026-12-03", seq=4, ts=9, sender="Salainen", sender_key=KEY,
                        kind="group", header=b"h", body=b"b")
    assert push.to_wire() == {"room": "r/2026-12-03", "seq": 4, "ts": 9, "sender": "Salainen",
                              "sender_key": b64(KEY), "kind": "group", "header": b64(b"h"),
                              "body": b64(b"b")}
    stamped = RoomEnvelope(**{**push.__dict__, "commitment": b"c" * 32, "stamp": b"s" * 32})
    assert stamped.to_wire()["stamp"] == b64(b"s" * 32)


def test_a_direct_envelope_is_its_queued_record() -> None:
    queued = QueuedEnvelope(id="a" * 32, ts=1, sender="Salainen", sender_key=KEY, kind="direct",
                            header=b"h", body=b"b")
    wire = DirectEnvelope(envelope=queued).to_wire()
    assert wire["from"] == "Salainen" and wire["from_key"] == b64(KEY)
    assert QueuedEnvelope.from_json(queued.to_json()) == queued


def test_a_typing_push_carries_only_who_is_typing() -> None:
    assert DirectTypingPush(sender="Salainen").to_wire() == {"from": "Salainen"}


def test_reprs_show_no_key_name_or_ciphertext() -> None:
    member = Member(pseudonym="Salainen", identity_key=KEY, role=Role.PEER)
    pushes = [
        Membership(room="r", epoch=1, event="joined", pseudonym="Salainen", identity_key=KEY,
                   role="peer", members=(member,), at=1, sig=b"S" * 64),
        RoomEnvelope(room="r", seq=1, ts=1, sender="Salainen", sender_key=KEY, kind="group",
                     header=b"HEADER", body=b"CIPHERTEXT"),
        DirectEnvelope(envelope=QueuedEnvelope(id="a" * 32, ts=1, sender="Salainen",
                                               sender_key=KEY, kind="direct", header=b"HEADER",
                                               body=b"CIPHERTEXT")),
        DirectTypingPush(sender="Salainen"),
    ]
    for push in pushes:
        text = repr(push)
        for secret in ("Salainen", b64(KEY), "CIPHERTEXT", "HEADER", b64(b"CIPHERTEXT")):
            assert secret not in text, (push.EVENT, text)


def test_every_push_has_its_own_event_name() -> None:
    names = [push.EVENT for push in PUSHES]
    assert all(names) and len(set(names)) == len(names)


def _alert() -> Alert:
    return Alert(id="al-1", room="open/2026-06-10", message_id="7", pseudonym="Salainen",
                 severity=3, categories=("self_harm",), sources=(FlagSource.SELF,),
                 state=AlertState.OPEN, opened_at=100.0, deadline=160.0, sent_to=("m1",))


def test_moderation_pushes_keep_main_wire_form() -> None:
    delivery = Delivery(alert_id="al-1", audience=Audience.ROOM, recipients=("m1",))
    summary = RiskSummary(pseudonym="Salainen", flagged_messages=2, highest=3,
                          per_level=(0, 0, 1, 1, 0), categories=("self_harm",), last_at=100.0)
    alert = ModAlert(alert=_alert(), delivery=delivery, source="self", history=summary)
    assert alert.to_wire() == {
        "alert_id": "al-1", "room": "open/2026-06-10", "message_id": "7",
        "pseudonym": "Salainen", "severity": 3, "categories": ["self_harm"], "sources": ["self"],
        "source": "self", "state": "open", "opened_at": 100.0, "widened": 0, "audience": "room",
        "over_cap": [], "history": {"flagged_messages": 2, "highest": 3,
                                    "per_level": [0, 0, 1, 1, 0], "categories": ["self_harm"]}}
    assert "history" not in ModAlert(alert=_alert(), delivery=delivery, source="").to_wire()
    assert AlertUpdate(alert_id="al-1", state="acknowledged", by="Moi").to_wire() == {
        "alert_id": "al-1", "state": "acknowledged", "by": "Moi"}
    tomb = RoomTombstone(room="r", notice=Notice(key="room.message_removed", message_id="7"))
    assert (tomb.EVENT, tomb.to_wire()) == ("room.tombstone", {
        "key": "room.message_removed", "params": {}, "room": "r", "message_id": "7"})
    told = ModNotice(notice=Notice(key="sanction.mute", params={"minutes": 5}), room="r",
                     sanction_id="sa-1", kind="mute", reason={"en": "Be kind"})
    assert told.to_wire() == {"key": "sanction.mute", "params": {"minutes": 5}, "room": "r",
                              "sanction_id": "sa-1", "kind": "mute", "reason": {"en": "Be kind"}}
    assert RoomNotice(room="r", notice=Notice(key="room.locked")).to_wire() == {
        "key": "room.locked", "params": {}, "room": "r"}


def test_moderation_push_reprs_show_no_name_or_reason() -> None:
    delivery = Delivery(alert_id="al-1", audience=Audience.ROOM, recipients=("m1",))
    pushes = [ModAlert(alert=_alert(), delivery=delivery, source="self"),
              AlertUpdate(alert_id="al-1", state="acknowledged", by="Salainen"),
              ModNotice(notice=Notice(key="sanction.mute"), room="r", sanction_id="sa-1",
                        kind="mute", reason={"en": "Salainen was rude"})]
    for push in pushes:
        assert "Salainen" not in repr(push), (push.EVENT, repr(push))
