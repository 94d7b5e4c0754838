"""What people are told about sanctions: a message key and parameters, rendered in fi/sv/en.

The sanctioned person is told what happened, why and until when (``person_notice``); the room sees
only what it needs (``room_notice``: a tombstone, "slow mode on", a lock) and never who was muted,
removed or banned: nobody is called out in public. A refused action carries its own notice
(``refusal_notice``) so the person sees why and until when, in their language.

The texts live in ``config/moderation.toml`` (``[notices]`` and ``[reasons]``); :class:`NoticeTexts`
checks when built that every key below has all three languages and uses only its own parameters,
so a typo in the file fails at start-up, not in front of a person at night.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from moderation.limits import RuleError
from moderation.sanctions import PERSON_KINDS, Decision, Sanction, SanctionKind

LANGUAGES: Final = ("fi", "sv", "en")

Param = str | int | float

NOTICE_PARAMS: Final[dict[str, frozenset[str]]] = {
    "sanction.mute": frozenset({"until", "minutes", "reason"}),
    "sanction.remove": frozenset({"until", "reason"}),
    "sanction.ban": frozenset({"until", "reason", "appeal"}),
    "sanction.ban_permanent": frozenset({"reason", "appeal"}),
    "sanction.read_only": frozenset({"until", "reason"}),
    "sanction.read_only_self": frozenset({"until"}),
    "sanction.delete_message": frozenset({"reason"}),
    "sanction.lifted": frozenset(),
    "refusal.banned": frozenset({"until"}),
    "refusal.banned_permanent": frozenset(),
    "refusal.removed": frozenset({"until"}),
    "refusal.room_locked": frozenset({"until"}),
    "refusal.moderator_absent": frozenset(),
    "refusal.muted": frozenset({"until"}),
    "refusal.read_only": frozenset({"until"}),
    "refusal.slow_mode": frozenset({"until"}),
    "room.message_removed": frozenset(),
    "room.slow_mode_on": frozenset({"seconds"}),
    "room.slow_mode_off": frozenset(),
    "room.locked": frozenset(),
    "room.unlocked": frozenset(),
    "room.moderator_left": frozenset(),
    "room.moderator_back": frozenset(),
}
"""Every notice key and the parameters its texts may use."""


@dataclass(frozen=True, kw_only=True)
class Notice:
    """A message key and its parameters (``until`` is epoch seconds; the client formats it)."""

    key: str
    params: Mapping[str, Param] = field(default_factory=dict)
    message_id: str | None = None  # for a tombstone: which message to replace


def _placeholders(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise RuleError("bad_config", "malformed placeholder in a notice text") from exc


@dataclass(frozen=True, kw_only=True)
class NoticeTexts:
    """Notice templates and sanction reason texts, each in fi/sv/en (validated when built)."""

    notices: Mapping[str, Mapping[str, str]]
    reasons: Mapping[str, Mapping[str, str]]

    def __post_init__(self) -> None:
        missing = sorted(set(NOTICE_PARAMS) - set(self.notices))
        if missing:
            raise RuleError("bad_config", f"notice texts missing: {', '.join(missing)}")
        unknown = sorted(set(self.notices) - set(NOTICE_PARAMS))
        if unknown:
            raise RuleError("bad_config", f"unknown notice keys: {', '.join(unknown)}")
        for key, by_lang in self.notices.items():
            for lang in LANGUAGES:
                text = by_lang.get(lang)
                if not isinstance(text, str) or not text.strip():
                    raise RuleError("bad_config", f"notice {key} has no {lang} text")
                extra = _placeholders(text) - NOTICE_PARAMS[key]
                if extra:
                    raise RuleError("bad_config", f"notice {key} ({lang}) uses {sorted(extra)}")
        if not self.reasons:
            raise RuleError("bad_config", "no sanction reason codes")
        for code, by_lang in self.reasons.items():
            for lang in LANGUAGES:
                text = by_lang.get(lang)
                if not isinstance(text, str) or not text.strip() or "{" in text:
                    raise RuleError("bad_config", f"reason {code} has no plain {lang} text")

    def check_reason_code(self, code: str) -> str:
        """``code`` if it is one of the configured reasons, else ``unknown_reason``.

        The adapter calls this before building a sanction with a reason code, so an unknown code
        is refused when the moderator acts, not when the person is told.
        """
        if code not in self.reasons:
            raise RuleError("unknown_reason", "reason code not in the configuration")
        return code

    def reason(self, sanction: Sanction, lang: str) -> str:
        """The reason as the person reads it: the code's text, or the moderator's own words."""
        if sanction.reason_code is not None:
            return self.reasons[self.check_reason_code(sanction.reason_code)][_lang(lang)]
        assert sanction.reason_text is not None
        return sanction.reason_text


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


def person_notice(sanction: Sanction, texts: NoticeTexts, lang: str) -> Notice:
    """What the sanctioned person is told when it is imposed (room controls: ``room_notice``)."""
    reason = texts.reason(sanction, lang)
    kind, until = sanction.kind, sanction.end
    if kind is SanctionKind.MUTE:
        assert until is not None
        minutes = round((until - sanction.start) / 60)
        return Notice(key="sanction.mute", params={"until": until, "minutes": minutes, "reason": reason})
    if kind is SanctionKind.REMOVE:
        return Notice(key="sanction.remove", params={"until": _end(until), "reason": reason})
    if kind is SanctionKind.BAN:
        appeal = sanction.appeal_note or ""
        if until is None:
            return Notice(key="sanction.ban_permanent", params={"reason": reason, "appeal": appeal})
        return Notice(key="sanction.ban", params={"until": until, "reason": reason, "appeal": appeal})
    if kind is SanctionKind.READ_ONLY:
        if sanction.self_chosen:
            return Notice(key="sanction.read_only_self", params={"until": _end(until)})
        return Notice(key="sanction.read_only", params={"until": _end(until), "reason": reason})
    if kind is SanctionKind.DELETE_MESSAGE:
        return Notice(key="sanction.delete_message", params={"reason": reason},
                      message_id=sanction.message_id)
    raise RuleError("no_person_notice", f"{kind} concerns the room, not a person")


def _end(until: float | None) -> float:
    assert until is not None
    return until


def room_notice(sanction: Sanction, *, lifted: bool = False) -> Notice | None:
    """What everyone in the room sees, if anything (never who was sanctioned)."""
    kind = sanction.kind
    if kind is SanctionKind.DELETE_MESSAGE and not lifted:
        return Notice(key="room.message_removed", message_id=sanction.message_id)
    if kind is SanctionKind.SLOW_MODE:
        if lifted:
            return Notice(key="room.slow_mode_off")
        assert sanction.seconds is not None
        return Notice(key="room.slow_mode_on", params={"seconds": sanction.seconds})
    if kind is SanctionKind.LOCK:
        return Notice(key="room.unlocked" if lifted else "room.locked")
    return None


def lifted_notice(sanction: Sanction) -> Notice | None:
    """What the person (mute, remove, ban, read-only) is told when a moderator lifts it early.

    Room controls tell the room instead (``room_notice(..., lifted=True)``); a restored message
    needs no words.
    """
    if sanction.kind in PERSON_KINDS:
        return Notice(key="sanction.lifted")
    return None


def refusal_notice(decision: Decision) -> Notice | None:
    """What a person is told when an action was refused (``None`` when it was allowed)."""
    if decision.allowed or decision.code is None:
        return None
    if decision.code == "banned" and decision.until is None:
        return Notice(key="refusal.banned_permanent")
    key = f"refusal.{decision.code}"
    if key not in NOTICE_PARAMS:
        raise RuleError("no_notice", f"no notice for refusal {decision.code}")
    params: dict[str, Param] = {} if decision.until is None else {"until": decision.until}
    return Notice(key=key, params=params)


def presence_notice(*, moderator_required: bool, before: int, after: int) -> Notice | None:
    """The room's notice when its moderator count changes (``moderator_required`` groups only)."""
    if not moderator_required:
        return None
    if before > 0 and after <= 0:
        return Notice(key="room.moderator_left")
    if before <= 0 and after > 0:
        return Notice(key="room.moderator_back")
    return None


_TIME_FORMAT: Final = {"fi": "%d.%m.%Y klo %H.%M", "sv": "%d.%m.%Y kl. %H.%M", "en": "%d %b %Y, %H:%M"}


def render(notice: Notice, texts: NoticeTexts, lang: str, tz: str = "Europe/Helsinki") -> str:
    """The notice in ``lang`` (fallback en), times shown in ``tz`` (the clients do the same)."""
    lang = _lang(lang)
    values: dict[str, str] = {}
    for name, value in notice.params.items():
        if name == "until" and isinstance(value, int | float):
            local = datetime.fromtimestamp(float(value), ZoneInfo(tz))
            values[name] = local.strftime(_TIME_FORMAT[lang])
        else:
            values[name] = str(value)
    return texts.notices[notice.key][lang].format_map(values)
