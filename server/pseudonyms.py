"""Pseudonym rules: validation, the fold used for uniqueness, reserved words, generation.

A pseudonym is NFC text of PSEUDONYM_MIN_CHARS..PSEUDONYM_MAX_CHARS characters: letters of one
script (Latin, Cyrillic, Greek, ...; Han/Hiragana/Katakana may mix), ASCII digits, and single
space, `_`, `-` or `.` between them. Combining marks left over after NFC, zero-width, format,
control and every other invisible character are refused.

Uniqueness is decided on `fold()`: case-folded, diacritics and separators dropped, and common
look-alikes mapped to one letter ("Anna", "ANNA", "Ánna", "A_nna", "Аnna" with Cyrillic А all
fold alike), so nobody can take a name that looks like someone else's.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from server.clock import Random
from server.errors import ApiError
from server.limits import PSEUDONYM_MAX_CHARS, PSEUDONYM_MIN_CHARS

SEPARATORS = frozenset(" _-.")
RESERVED_WORDS = (
    "moderator", "moderaattori", "moderaattor", "mod", "admin", "administrator", "counsellor",
    "counselor", "neuvoja", "ohjaaja", "iltapiiri", "staff", "support", "system", "systeemi",
    "yllapito", "ylläpito", "henkilökunta", "personal", "kurator", "handledare", "official",
    "root", "server", "crisis", "kriisi",
)
# Words refused only as the whole folded name (too common to refuse inside other names).
_RESERVED_WHOLE = frozenset({"mod", "root", "server", "personal", "crisis", "kriisi"})
_SCRIPT_GROUPS = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN", "KATAKANA-HIRAGANA": "HAN"}
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ӏ": "l", "ԛ": "q", "ԝ": "w", "ь": "b", "г": "r", "п": "n",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "μ": "u", "γ": "y", "ς": "c", "σ": "o",
    # Latin/digit look-alikes
    "0": "o", "1": "l", "i": "l", "5": "s", "ı": "l", "ł": "l", "ø": "o", "ß": "ss",
}
_MULTI_CONFUSABLES = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def _script(ch: str) -> str:
    first = unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
    return _SCRIPT_GROUPS.get(first, first)


def validate(raw: object) -> str:
    """Return the NFC form of a valid pseudonym or raise `pseudonym_invalid`."""
    if not isinstance(raw, str):
        raise ApiError("pseudonym_invalid", "pseudonym must be a string")
    name = unicodedata.normalize("NFC", raw)
    if not PSEUDONYM_MIN_CHARS <= len(name) <= PSEUDONYM_MAX_CHARS:
        raise ApiError(
            "pseudonym_invalid",
            f"pseudonym must be {PSEUDONYM_MIN_CHARS}-{PSEUDONYM_MAX_CHARS} characters",
        )
    scripts: set[str] = set()
    previous_sep = True  # a separator may not open the name
    for ch in name:
        if ch in SEPARATORS:
            if previous_sep:
                raise ApiError("pseudonym_invalid", "separators only between letters or digits")
            previous_sep = True
            continue
        previous_sep = False
        if "0" <= ch <= "9":
            continue
        if unicodedata.category(ch).startswith("L"):
            scripts.add(_script(ch))
            continue
        raise ApiError("pseudonym_invalid", "only letters, digits, space, _ - . are allowed")
    if previous_sep:
        raise ApiError("pseudonym_invalid", "a pseudonym may not end with a separator")
    if not scripts:
        raise ApiError("pseudonym_invalid", "a pseudonym needs at least one letter")
    if len(scripts) > 1:
        raise ApiError("pseudonym_invalid", "letters must come from one script")
    return name


def fold(name: str) -> str:
    """The uniqueness key: case, diacritics, separators and look-alikes folded away."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    )
    text = "".join(_CONFUSABLES.get(c, c) for c in text if c not in SEPARATORS)
    for pair, single in _MULTI_CONFUSABLES:
        text = text.replace(pair, single)
    return text


def check_reserved(name: str, staff_names: Iterable[str]) -> None:
    """Raise `pseudonym_reserved` if `name` claims a staff role or a configured staff name."""
    folded = fold(name)
    for word in RESERVED_WORDS:
        w = fold(word)
        if folded == w or (word not in _RESERVED_WHOLE and w in folded):
            raise ApiError("pseudonym_reserved", "this name is reserved")
    for staff in staff_names:
        if fold(staff) == folded:
            raise ApiError("pseudonym_reserved", "this name is reserved")


_WORDS = {
    "fi": (
        ("Hiljainen", "Lempeä", "Tyyni", "Vihreä", "Sininen", "Kirkas", "Lämmin", "Utuinen"),
        ("Kettu", "Karhu", "Joutsen", "Koivu", "Kuusi", "Aalto", "Tähti", "Kuikka", "Ilves"),
    ),
    "sv": (
        ("Stilla", "Mild", "Lugn", "Grön", "Blå", "Klar", "Varm", "Dimmig"),
        ("Räv", "Björn", "Svan", "Björk", "Gran", "Våg", "Stjärna", "Lom", "Lodjur"),
    ),
    "en": (
        ("Quiet", "Gentle", "Calm", "Green", "Blue", "Clear", "Warm", "Misty"),
        ("Fox", "Bear", "Swan", "Birch", "Spruce", "Wave", "Star", "Loon", "Lynx"),
    ),
}


def generate(rng: Random) -> str:
    """A friendly random pseudonym like "Hiljainen Kettu 42" (always valid)."""
    raw = rng.bytes(4)
    language = sorted(_WORDS)[raw[0] % len(_WORDS)]
    adjectives, nouns = _WORDS[language]
    number = 10 + (raw[3] % 90)
    return f"{adjectives[raw[1] % len(adjectives)]} {nouns[raw[2] % len(nouns)]} {number}"
