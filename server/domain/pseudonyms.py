"""Pseudonym rules: validation, the fold used for uniqueness, reserved words, generation.

A pseudonym is NFC text of PSEUDONYM_MIN_CHARS..PSEUDONYM_MAX_CHARS characters: letters of one
allow-listed alphabet, ASCII digits, and single space, `_`, `-` or `.` between them. The
alphabets (docs/decisions.md) are Latin (ASCII, Latin-1 and Latin Extended-A letters: Finnish,
Swedish, Sámi and most European names) and Cyrillic (Russian, Ukrainian, Belarusian). Every other
letter is refused, including the Latin-script look-alikes NFKC leaves alone (small capitals
"ᴀᴅᴍɪɴ", IPA "ɑ", hooked letters "ɗ"), Greek, and everything invisible.

Uniqueness is decided on `fold()`: the UTS #39 confusables skeleton (server/domain/skeleton.py, Unicode's
own table) of the case-folded name with diacritics and separators dropped, so "Anna", "ANNA",
"Ánna", "A_nna", "Аnna" (Cyrillic А) and "Corn"/"Com" fold alike. Reserved words
(config/reserved_words.toml) are compared on the same fold.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from config.names import load_pseudonym_words, load_reserved_words
from server.clock import Random
from server.domain.skeleton import skeleton
from server.limits import PSEUDONYM_MAX_CHARS, PSEUDONYM_MIN_CHARS
from server.wire.errors import ApiError

SEPARATORS = frozenset(" _-.")
SERVICE_NAME = "Iltapiiri"
_LATIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    + "".join(chr(c) for c in range(0xC0, 0x100) if c not in (0xD7, 0xF7))
    + "".join(chr(c) for c in range(0x100, 0x180) if c not in (0x138, 0x149, 0x17F)))
_CYRILLIC = frozenset(
    "".join(chr(c) for c in range(0x410, 0x450)) + "ЁёЄєІіЇїҐґЎў")
_ALPHABETS = (("latin", _LATIN), ("cyrillic", _CYRILLIC))


def _alphabet(ch: str) -> str | None:
    for name, letters in _ALPHABETS:
        if ch in letters:
            return name
    return None


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
    alphabets: set[str] = set()
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
        alphabet = _alphabet(ch)
        if alphabet is None:
            raise ApiError("pseudonym_invalid",
                           "only Latin or Cyrillic letters, digits, space, _ - . are allowed")
        alphabets.add(alphabet)
    if previous_sep:
        raise ApiError("pseudonym_invalid", "a pseudonym may not end with a separator")
    if not alphabets:
        raise ApiError("pseudonym_invalid", "a pseudonym needs at least one letter")
    if len(alphabets) > 1:
        raise ApiError("pseudonym_invalid", "letters must come from one alphabet")
    return name


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def fold(name: str) -> str:
    """The uniqueness key: the confusables skeleton with case, diacritics and separators gone."""
    text = _strip_marks(unicodedata.normalize("NFKC", name))
    # Cyrillic capitals have Latin prototypes ("Т" -> "T") where the small letters have small
    # capitals ("т" -> "ᴛ"), so Cyrillic goes upper case first. Then skeleton, case, skeleton:
    # "I" and "l" meet before case folding would part them, and a folded letter with a
    # prototype of its own ("m" -> "rn") gets it.
    text = "".join(c.upper() if c in _CYRILLIC else c for c in text)
    text = skeleton(skeleton(text).casefold())
    # Case folding makes "I" (whose prototype is "l") and "i" one letter, so "i" meets "l" too;
    # otherwise "ADMIN" and "admin" would fold apart.
    text = text.replace("i", "l")
    return "".join(c for c in _strip_marks(text) if c not in SEPARATORS)


def check_reserved(name: str, staff_names: Iterable[str]) -> None:
    """Raise `pseudonym_reserved` if `name` claims a staff role, the service or a staff name."""
    stems, whole_words = _reserved_folds()
    folded = fold(name)
    if any(stem in folded for stem in stems) or whole_words & {fold(w) for w in _words(name)}:
        raise ApiError("pseudonym_reserved", "this name is reserved")
    if any(fold(staff) == folded for staff in staff_names):
        raise ApiError("pseudonym_reserved", "this name is reserved")


@lru_cache(maxsize=1)
def _reserved_folds() -> tuple[tuple[str, ...], frozenset[str]]:
    reserved = load_reserved_words()
    return (tuple(fold(s) for s in (*reserved.contains, SERVICE_NAME)),
            frozenset(fold(w) for w in reserved.words))


def _words(name: str) -> list[str]:
    out, current = [], ""
    for ch in name:
        if ch in SEPARATORS:
            out.append(current)
            current = ""
        else:
            current += ch
    return [*out, current]


GENERATE_NUMBER_STAGES = ((10, 999), (1000, 9999))  # then a noun and eight digits


def generate(rng: Random, attempt: int = 0) -> str:
    """A friendly random pseudonym like "Hiljainen Kettu 42" (always valid, never reserved).

    Later attempts draw from larger spaces: a 4-digit number from attempt 10, then a noun and
    eight digits from attempt 20 (72 × 10^8 names), so a full pool never refuses a sign-in."""
    words = load_pseudonym_words()
    raw = rng.bytes(8)
    language = sorted(words)[raw[0] % len(words)]
    adjectives, nouns = words[language]
    noun = nouns[int.from_bytes(raw[2:4], "big") % len(nouns)]
    value = int.from_bytes(raw[4:8], "big")
    if attempt >= 20:
        return f"{noun} {value % 100_000_000:08d}"
    low, high = GENERATE_NUMBER_STAGES[0 if attempt < 10 else 1]
    adjective = adjectives[raw[1] % len(adjectives)]
    return f"{adjective} {noun} {low + value % (high - low + 1)}"
