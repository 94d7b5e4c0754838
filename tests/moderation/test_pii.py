"""Personal data: checksums with valid and invalid examples, phones, e-mail, addresses."""

from __future__ import annotations

import pytest

from moderation import detect
from moderation.pii import hetu_valid, luhn_valid, personnummer_valid

VALID_HETU = ["131052-308T", "010190-123M", "311299A045N", "150505B7772", "040404+002W"]


@pytest.mark.parametrize("h", VALID_HETU)
def test_hetu_valid(h: str) -> None:
    assert hetu_valid(h)
    assert hetu_valid(h.lower())


@pytest.mark.parametrize("sign", list("+-ABCDEFYXWVU"))
def test_hetu_all_century_signs(sign: str) -> None:
    assert hetu_valid(f"131052{sign}308T")


@pytest.mark.parametrize("h", ["131052-308A", "131052Z308T", "321052-308T", "131352-308T",
                               "13105-2308T", "131052-30XT"])
def test_hetu_invalid(h: str) -> None:
    assert not hetu_valid(h)


def test_luhn() -> None:
    assert luhn_valid("8112189876")
    assert not luhn_valid("8112189875")


@pytest.mark.parametrize("p", ["811218-9876", "8112189876", "19811218-9876", "701063-2342",
                               "121212+1212"])
def test_personnummer_valid(p: str) -> None:
    assert personnummer_valid(p)


@pytest.mark.parametrize("p", ["811218-9875", "811318-9876", "811200-9876", "811292-9876"])
def test_personnummer_invalid(p: str) -> None:
    assert not personnummer_valid(p)


def pii(text: str) -> list[tuple[str, str]]:
    d = detect(text)
    return [(m.rule, text[m.span[0]:m.span[1]]) for m in d.matches if m.category == "personal_data"]


@pytest.mark.parametrize(
    ("text", "rule", "found"),
    [
        ("soita 040 123 4567 illalla", "pii.phone", "040 123 4567"),
        ("numero 0401234567", "pii.phone", "0401234567"),
        ("ring 070-123 45 67", "pii.phone", "070-123 45 67"),
        ("call +358 40 765 4321", "pii.phone", "+358 40 765 4321"),
        ("+46 70 765 43 21", "pii.phone", "+46 70 765 43 21"),
        ("mail: Jenny.K@Example.com.", "pii.email", "Jenny.K@Example.com"),
        ("hetu 131052-308T ok", "pii.hetu", "131052-308T"),
        ("pnr 811218-9876", "pii.personnummer", "811218-9876"),
        ("asuu Mannerheimintie 12 B 34", "pii.address", "Mannerheimintie 12 B 34"),
        ("bor på Storgatan 5", "pii.address", "Storgatan 5"),
        ("Kungsvägen 4B", "pii.address", "Kungsvägen 4B"),
        ("０４０ １２３ ４５６７", "pii.phone", "０４０ １２３ ４５６７"),
        ("040\u200b123\u200b4567", "pii.phone", "040\u200b123\u200b4567"),
    ],
)
def test_personal_data_found_with_span(text: str, rule: str, found: str) -> None:
    assert pii(text) == [(rule, found)]
    assert detect(text).severity == 2


@pytest.mark.parametrize(
    "text",
    ["hetu 131052-308A", "811218-9875", "soita 112", "MIELI 09 2525 0111", "0800 900 45",
     "ring 90101", "kello 21.30", "2019", "sober 1234 days", "1000 euros", "tie 5",
     "010190-123A", "the @ sign", "12.3.2024"],
)
def test_not_personal_data(text: str) -> None:
    assert pii(text) == []
