"""Which crisis resources and texts to show a person for a detection, from
``config/crisis_resources.json`` (numbers live in configuration, never in code).

``resources_for`` is pure: it takes the parsed file (``load_crisis_resources`` reads the packaged
one once). Locale is where the person is (``FI``, ``SE``, anything else falls back to ``intl``);
the UI language (fi/sv/en, fallback en) picks the texts, the opening hours and, where a resource
exists in several languages (the MIELI crisis line), the variant in that language.

A person at risk always gets a phone number: from level 2 a line with a number is added when the
locale's own list has none (a directory link is not enough), and from level 3 the emergency number
and the crisis line of the service's home country (``home_locale``) are always shown — first when
we do not know where the person is (most people on a Finnish service are in Finland), after the
locale's own lines when we do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from moderation.result import Detection

FALLBACK_LOCALE = "intl"
FALLBACK_LANGUAGE = "en"
FIRST_AID_MIN_SEVERITY = 3
# From this level a line with a phone number is always shown, whatever the person's locale.
ALWAYS_A_NUMBER_MIN_SEVERITY = 2
# From this level the emergency number and the service's home-country crisis line are shown
# whatever the person's locale (the file's ``home_locale``, set by the operator).
HOME_LINES_MIN_SEVERITY = 3
# Not the writer's own crisis: they get a private warning before sending, not helplines.
WARNING_CATEGORIES = ("personal_data", "doxxing", "harassment")


@dataclass(frozen=True, slots=True)
class Resource:
    """One helpline or service to show."""

    id: str
    name: str
    number: str | None
    url: str | None
    hours: str
    source: str
    verify: bool


@dataclass(frozen=True, slots=True)
class ResourceView:
    """What the client shows privately: a message, resources, and overdose first aid if any."""

    severity: int
    message: str | None
    resources: tuple[Resource, ...]
    first_aid_signs: tuple[str, ...]
    first_aid_steps: tuple[str, ...]
    warnings: tuple[str, ...]


@lru_cache(maxsize=1)
def load_crisis_resources() -> Mapping[str, Any]:
    """Read the packaged ``config/crisis_resources.json`` once."""
    text = resources.files("config").joinpath("crisis_resources.json").read_text("utf-8")
    data: Mapping[str, Any] = json.loads(text)
    return data


def crisis_severity(detection: Detection) -> int:
    """The highest severity among matches of the writer's own crisis categories."""
    return max(
        (m.severity for m in detection.matches if m.category not in WARNING_CATEGORIES),
        default=0,
    )


def _pick_language(ids: Sequence[str], table: Mapping[str, Any], lang: str) -> list[str]:
    """Keep language-neutral entries; of a group with language variants keep the UI's one."""
    out: list[str] = []
    groups_with_match = {
        table[i]["group"] for i in ids if table[i].get("language") in (lang, None)
    }
    seen_groups: set[str] = set()
    for i in ids:
        entry = table[i]
        entry_lang = entry.get("language")
        group = entry["group"]
        if entry_lang is None or entry_lang == lang:
            ok = True
        else:
            ok = group not in groups_with_match and group not in seen_groups
        if ok and i not in out:
            out.append(i)
            seen_groups.add(group)
    return out


def _text(value: Any, lang: str) -> str:
    """A per-language text ({"fi": ..., "sv": ..., "en": ...}) or a language-neutral string."""
    return value[lang] if isinstance(value, Mapping) else str(value)


def _with_phone_lines(ids: list[str], severity: int, loc_key: str, cfg: Mapping[str, Any]
                      ) -> list[str]:
    """Add the home country's emergency number and crisis line where the rules above want them."""
    home = cfg.get("home_locale")
    table = cfg["resources"]
    if not home or home not in cfg["locales"] or severity < ALWAYS_A_NUMBER_MIN_SEVERITY:
        return ids
    home_ids = list(cfg["locales"][home]["levels"].get(str(severity), []))
    home_crisis = [i for i in home_ids if table[i]["group"] == "crisis_line"]
    unknown_place = loc_key == FALLBACK_LOCALE

    def numbered(group: str | None) -> list[str]:
        return [i for i in ids if table[i].get("number") and group in (None, table[i]["group"])]

    if severity >= HOME_LINES_MIN_SEVERITY and loc_key != home:
        if not numbered("emergency"):
            ids = [i for i in home_ids if table[i]["group"] == "emergency"] + ids
        if unknown_place:
            emergency = numbered("emergency")
            ids = emergency + home_crisis + [i for i in ids if i not in emergency]
        else:
            ids = ids + home_crisis
    if not numbered(None):
        ids = home_crisis + ids if unknown_place else ids + home_crisis
    return ids


def resources_for(
    severity: int,
    categories: Sequence[str],
    locale: str,
    ui_language: str,
    data: Mapping[str, Any] | None = None,
) -> ResourceView:
    """Resources and texts for a crisis severity (see ``crisis_severity``) and categories.

    Personal data and harassment only add a warning; helplines and the level message come from
    the severity of the other categories.
    """
    cfg = load_crisis_resources() if data is None else data
    lang = ui_language if ui_language in cfg["ui_languages"] else FALLBACK_LANGUAGE
    loc_key = locale.upper() if locale != FALLBACK_LOCALE else locale
    if loc_key not in cfg["locales"]:
        loc_key = FALLBACK_LOCALE
    loc = cfg["locales"][loc_key]
    table = cfg["resources"]
    if all(c in WARNING_CATEGORIES for c in categories):
        severity = 0
    ids: list[str] = []
    if severity >= 1:
        # Category resources first at the top levels (an overdose needs 112 and poison info).
        cat_ids = [i for c in categories for i in loc["categories"].get(c, [])]
        level_ids = list(loc["levels"].get(str(severity), []))
        ids = cat_ids + level_ids if severity >= FIRST_AID_MIN_SEVERITY else level_ids + cat_ids
        ids = _with_phone_lines(ids, severity, loc_key, cfg)
    picked = _pick_language(ids, table, lang)
    chosen = tuple(
        Resource(
            id=i,
            name=table[i]["name"][lang],
            number=table[i].get("number"),
            url=table[i].get("url"),
            hours=_text(table[i]["hours"], lang),
            source=table[i]["source"],
            verify=bool(table[i].get("verify", False)),
        )
        for i in picked
    )
    texts = cfg["texts"]
    message = texts[str(severity)][lang] if str(severity) in texts and severity >= 1 else None
    warnings = tuple(texts[c][lang] for c in ("personal_data", "harassment") if c in categories)
    aid = cfg["overdose_first_aid"]
    show_aid = "overdose" in categories and severity >= FIRST_AID_MIN_SEVERITY
    return ResourceView(
        severity=severity,
        message=message,
        resources=chosen,
        first_aid_signs=tuple(aid["signs"][lang]) if show_aid else (),
        first_aid_steps=tuple(aid["steps"][lang]) if show_aid else (),
        warnings=warnings,
    )
