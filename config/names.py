"""Typed loaders for the pseudonym data files: `reserved_words.toml` and `pseudonym_words.toml`.

Both files ship with the package and are read once per process (the pseudonym rules stay pure:
they get plain tuples, no file handles).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
RESERVED_WORDS_FILE = CONFIG_DIR / "reserved_words.toml"
PSEUDONYM_WORDS_FILE = CONFIG_DIR / "pseudonym_words.toml"


class NamesConfigError(ValueError):
    """A names data file is malformed."""


@dataclass(frozen=True, kw_only=True)
class ReservedWords:
    """Stems refused anywhere in a name, and words refused only as a whole word."""

    contains: tuple[str, ...]
    words: tuple[str, ...]


def _strings(table: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise NamesConfigError(f"{where}: {key} must be a non-empty list of strings")
    return tuple(value)


@lru_cache(maxsize=4)
def load_reserved_words(path: Path = RESERVED_WORDS_FILE) -> ReservedWords:
    """The reserved stems and words (config/reserved_words.toml)."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return ReservedWords(contains=_strings(data, "contains", path.name),
                         words=_strings(data, "words", path.name))


@lru_cache(maxsize=4)
def load_pseudonym_words(
        path: Path = PSEUDONYM_WORDS_FILE) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """language -> (adjectives, nouns) for generated pseudonyms (config/pseudonym_words.toml)."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    words: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for language, table in sorted(data.items()):
        if not isinstance(table, dict):
            raise NamesConfigError(f"{path.name}: [{language}] must be a table")
        words[language] = (_strings(table, "adjectives", f"{path.name} [{language}]"),
                           _strings(table, "nouns", f"{path.name} [{language}]"))
    if not words:
        raise NamesConfigError(f"{path.name}: no languages")
    return words
