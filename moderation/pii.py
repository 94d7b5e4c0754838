"""Personal data in a message: phone numbers, e-mail addresses, Finnish henkilötunnus, Swedish
personnummer/samordningsnummer and street addresses.

The candidate patterns are regular expressions kept in the data file, written in a subset that
behaves the same in Python ``re`` and JavaScript ``RegExp``: explicit ASCII/ä/ö/å classes,
lookbehind/lookahead for boundaries, no ``\\b``, ``\\w`` or ``\\d``. They run on the normalised text
(fullwidth digits folded, zero-width characters gone, lower case). Identity numbers count only
when their check character is right; phone numbers on the allowlist (helplines, service
numbers) are not personal data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

HETU_CHECK = "0123456789abcdefhjklmnprstuvwxy"
HETU_CENTURY = "+-abcdefyxwvu"


@dataclass(frozen=True, slots=True)
class PiiRule:
    """One compiled personal-data rule from the data file."""

    id: str
    kind: str
    regex: re.Pattern[str]
    severity: int

    def __repr__(self) -> str:
        return f"PiiRule({self.id})"


@dataclass(frozen=True, slots=True)
class PiiHit:
    """A validated personal-data hit: rule and span in the normalised text."""

    rule: PiiRule
    start: int
    end: int


def hetu_valid(s: str) -> bool:
    """Finnish henkilötunnus DDMMYYCZZZQ: real day/month, century sign, check character mod 31."""
    s = s.lower()
    if len(s) != 11 or s[6] not in HETU_CENTURY or not (s[:6] + s[7:10]).isdigit():
        return False
    day, month = int(s[0:2]), int(s[2:4])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    return HETU_CHECK[int(s[:6] + s[7:10]) % 31] == s[10]


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check over a digit string."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def personnummer_valid(s: str) -> bool:
    """Swedish personnummer or samordningsnummer (day + 60), with or without century digits."""
    digits = "".join(c for c in s if "0" <= c <= "9")
    if len(digits) == 12:
        digits = digits[2:]
    if len(digits) != 10:
        return False
    month, day = int(digits[2:4]), int(digits[4:6])
    if day > 60:
        day -= 60  # samordningsnummer
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    return luhn_valid(digits)


def phone_allowed(s: str, allowlist: Sequence[str]) -> bool:
    """True when the number (digits only) starts with an allowlisted service/helpline prefix."""
    digits = "".join(c for c in s if "0" <= c <= "9")
    return any(digits.startswith(a) for a in allowlist)


def scan(text: str, rules: Sequence[PiiRule], phone_allowlist: Sequence[str]) -> list[PiiHit]:
    """Validated hits, identity numbers first so a personnummer is not also a phone number."""
    hits: list[PiiHit] = []
    for rule in rules:
        for m in rule.regex.finditer(text):
            s = m.group(0)
            if rule.kind == "hetu" and not hetu_valid(s):
                continue
            if rule.kind == "personnummer" and not personnummer_valid(s):
                continue
            if rule.kind == "phone" and phone_allowed(s, phone_allowlist):
                continue
            if any(h.start < m.end() and m.start() < h.end for h in hits):
                continue  # already covered by an earlier (more specific) rule
            hits.append(PiiHit(rule, m.start(), m.end()))
    return hits
