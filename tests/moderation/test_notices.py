"""What the sanctioned person and the room are told, in fi/sv/en from config/moderation.toml."""

from __future__ import annotations

import pytest

from config.moderation_settings import load_moderation_settings
from moderation import sanctions as s
from moderation.limits import RuleError
from moderation.notices import (
    LANGUAGES,
    NOTICE_PARAMS,
    Notice,
    NoticeTexts,
    lifted_notice,
    person_notice,
    presence_notice,
    refusal_notice,
    render,
    room_notice,
)
from moderation.sanctions import Action, SanctionKind, check

ROOM = "ilta/2026-12-03"
NOW = 1764784800.0  # 2025-12-03 20:00 Helsinki
END = NOW + 3 * 3600
TEXTS = load_moderation_settings().texts


def test_a_muted_person_is_told_why_and_until_when_in_their_language() -> None:
    mute = s.mute(id="s1", actor_id="mod", room=ROOM, pseudonym="Aamu", minutes=15, now=NOW,
                  reason_code="spam")
    notice = person_notice(mute, TEXTS, "fi")
    assert notice.key == "sanction.mute" and notice.params["until"] == NOW + 900
    assert render(notice, TEXTS, "fi") == (
        "Sinut on mykistetty tässä ryhmässä 15 minuutiksi (03.12.2025 klo 20.15 asti). "
        "Syy: Roskaviestit tai tulviminen")
    assert "Skräppost" in render(person_notice(mute, TEXTS, "sv"), TEXTS, "sv")
    assert "20:15" in render(person_notice(mute, TEXTS, "de"), TEXTS, "de")  # unknown -> en


def test_a_free_text_reason_is_passed_through_as_written() -> None:
    mute = s.mute(id="s1", actor_id="mod", room=ROOM, pseudonym="Aamu", minutes=5, now=NOW,
                  reason_text="Please take a breather")
    assert render(person_notice(mute, TEXTS, "en"), TEXTS, "en").endswith("Reason: Please take a breather")


def test_a_ban_carries_its_appeal_note_and_a_permanent_ban_says_so() -> None:
    ban = s.ban(id="b", actor_id="root", pseudonym="Aamu", now=NOW, days=None, appeal_note="Appeal: x@y",
                reason_code="harassment")
    n = person_notice(ban, TEXTS, "en")
    assert n.key == "sanction.ban_permanent" and "Appeal: x@y" in render(n, TEXTS, "en")


def test_the_room_sees_only_room_controls_never_who_was_sanctioned() -> None:
    people = [
        s.mute(id="a", actor_id="m", room=ROOM, pseudonym="P", minutes=5, now=NOW, reason_code="spam"),
        s.remove_tonight(id="b", actor_id="m", room=ROOM, pseudonym="P", now=NOW, night_end=END, reason_code="spam"),
        s.ban(id="c", actor_id="m", pseudonym="P", now=NOW, days=1, appeal_note="a", reason_code="spam"),
        s.read_only_tonight(id="d", actor_id="m", room=ROOM, pseudonym="P", now=NOW, night_end=END,
                            self_chosen=False, reason_code="spam"),
    ]
    assert [room_notice(x) for x in people] == [None] * 4
    slow = s.slow_mode(id="e", actor_id="m", room=ROOM, seconds=30, now=NOW, night_end=END, reason_code="spam")
    assert room_notice(slow) == Notice(key="room.slow_mode_on", params={"seconds": 30})
    assert room_notice(slow, lifted=True) == Notice(key="room.slow_mode_off")
    gone = s.delete_message(id="f", actor_id="m", room=ROOM, message_id="m9", now=NOW, reason_code="spam")
    assert room_notice(gone) == Notice(key="room.message_removed", message_id="m9")
    with pytest.raises(RuleError):
        person_notice(slow, TEXTS, "fi")


def test_every_refusal_has_a_notice_with_its_end() -> None:
    mute = s.mute(id="a", actor_id="m", room=ROOM, pseudonym="P", minutes=5, now=NOW, reason_code="spam")
    d = check([mute], action=Action.SEND, room=ROOM, pseudonym="P", now=NOW + 1)
    assert refusal_notice(d) == Notice(key="refusal.muted", params={"until": NOW + 300})
    for code in ("banned", "removed", "room_locked", "muted", "read_only", "slow_mode"):
        assert f"refusal.{code}" in NOTICE_PARAMS
    absent = check([], action=Action.SEND, room=ROOM, pseudonym="P", now=NOW, moderator_required=True,
                   moderators_present=0)
    assert render(refusal_notice(absent) or Notice(key="x"), TEXTS, "en").startswith("The group is read-only")
    assert refusal_notice(check([], action=Action.SEND, room=ROOM, pseudonym="P", now=NOW)) is None


def test_the_room_is_told_when_its_last_moderator_leaves_and_when_one_returns() -> None:
    assert presence_notice(moderator_required=True, before=1, after=0) == Notice(key="room.moderator_left")
    assert presence_notice(moderator_required=True, before=0, after=1) == Notice(key="room.moderator_back")
    assert presence_notice(moderator_required=True, before=2, after=1) is None
    assert presence_notice(moderator_required=False, before=1, after=0) is None


def test_every_key_renders_in_every_language_with_its_parameters() -> None:
    values = {"until": NOW, "minutes": 5, "reason": "R", "appeal": "A", "seconds": 30}
    for key, params in NOTICE_PARAMS.items():
        for lang in LANGUAGES:
            text = render(Notice(key=key, params={p: values[p] for p in params}), TEXTS, lang)
            assert "{" not in text and text.strip()


def test_texts_with_a_missing_language_or_a_stray_parameter_are_refused() -> None:
    notices = {k: dict(v) for k, v in TEXTS.notices.items()}
    del notices["room.locked"]["sv"]
    with pytest.raises(RuleError, match=r"room\.locked has no sv"):
        NoticeTexts(notices=notices, reasons=TEXTS.reasons)
    notices = {k: dict(v) for k, v in TEXTS.notices.items()}
    notices["room.locked"]["en"] = "Locked by {pseudonym}"
    with pytest.raises(RuleError, match="uses"):
        NoticeTexts(notices=notices, reasons=TEXTS.reasons)
    with pytest.raises(RuleError, match="missing"):
        NoticeTexts(notices={}, reasons=TEXTS.reasons)


def test_all_sanction_kinds_are_covered_by_a_person_or_a_room_notice() -> None:
    for kind in SanctionKind:
        assert kind in s.PERSON_KINDS or kind in s.ROOM_KINDS or kind is SanctionKind.DELETE_MESSAGE


def test_a_person_is_told_when_their_sanction_is_lifted_and_the_room_when_a_control_is() -> None:
    mute = s.mute(id="a", actor_id="m", room=ROOM, pseudonym="P", minutes=5, now=NOW, reason_code="spam")
    assert lifted_notice(mute) == Notice(key="sanction.lifted")
    lock = s.lock_room(id="b", actor_id="m", room=ROOM, now=NOW, night_end=END, reason_code="spam")
    assert lifted_notice(lock) is None and room_notice(lock, lifted=True) == Notice(key="room.unlocked")


def test_an_unknown_reason_code_is_refused_before_anyone_is_told() -> None:
    assert TEXTS.check_reason_code("spam") == "spam"
    with pytest.raises(RuleError) as info:
        TEXTS.check_reason_code("looked_at_me")
    assert info.value.code == "unknown_reason"
    odd = s.mute(id="a", actor_id="m", room=ROOM, pseudonym="P", minutes=5, now=NOW, reason_code="looked_at_me")
    with pytest.raises(RuleError):
        person_notice(odd, TEXTS, "fi")
