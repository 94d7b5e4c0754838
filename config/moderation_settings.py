"""Typed loader of ``config/moderation.toml``: alert routing settings and sanction texts.

    [alerts]          resend_after_seconds, load_cap, pool_size      -> moderation.alerts.AlertPolicy
    [reasons.CODE]    fi, sv, en: a sanction reason code and its texts
    [notices]         "KEY" = { fi, sv, en }: every key of moderation.notices.NOTICE_PARAMS

``parse_moderation_settings`` is pure (TOML text in, frozen dataclasses out); every problem is a
``ModerationConfigError`` whose ``code`` is ``bad_config`` and whose message names the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from moderation.alerts import AlertPolicy
from moderation.limits import RuleError, check_token
from moderation.notices import NoticeTexts

DEFAULT_MODERATION_FILE = Path(__file__).resolve().parent / "moderation.toml"


class ModerationConfigError(ValueError):
    """The moderation settings are malformed; ``code`` is ``bad_config``."""

    code = "bad_config"


@dataclass(frozen=True, kw_only=True)
class ModerationSettings:
    """Alert policy and the texts of sanctions, in one validated value."""

    alerts: AlertPolicy
    texts: NoticeTexts

    @property
    def reason_codes(self) -> frozenset[str]:
        """The reason codes a moderator may pick."""
        return frozenset(self.texts.reasons)


def _table(data: dict[str, object], name: str) -> dict[str, object]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise ModerationConfigError(f"[{name}] is missing or not a table")
    return value


def _number(table: dict[str, object], name: str, *, integer: bool) -> float:
    value = table.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or (
        integer and not isinstance(value, int)
    ):
        raise ModerationConfigError(f"alerts.{name} must be {'an integer' if integer else 'a number'}")
    return float(value)


def _texts(table: dict[str, object], where: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key, by_lang in table.items():
        if not isinstance(by_lang, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in by_lang.items()
        ):
            raise ModerationConfigError(f"{where}.{key} must map languages to texts")
        out[key] = dict(by_lang)
    return out


def parse_moderation_settings(text: str) -> ModerationSettings:
    """Parse and validate the TOML text of a moderation settings file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModerationConfigError(f"not TOML: {exc}") from None
    alerts = _table(data, "alerts")
    reasons = _texts(_table(data, "reasons"), "reasons")
    try:
        for code in reasons:
            check_token(code, "reason code")
        policy = AlertPolicy(
            resend_after_seconds=_number(alerts, "resend_after_seconds", integer=False),
            load_cap=int(_number(alerts, "load_cap", integer=True)),
            pool_size=int(_number(alerts, "pool_size", integer=True)),
        )
        texts = NoticeTexts(notices=_texts(_table(data, "notices"), "notices"), reasons=reasons)
    except RuleError as exc:
        raise ModerationConfigError(str(exc)) from None
    return ModerationSettings(alerts=policy, texts=texts)


def load_moderation_settings(path: Path = DEFAULT_MODERATION_FILE) -> ModerationSettings:
    """Read and validate a moderation settings file (default: the packaged one)."""
    return parse_moderation_settings(path.read_text(encoding="utf-8"))
