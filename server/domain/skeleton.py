"""The UTS #39 confusables skeleton, from the Unicode data file the `confusables` package ships.

`skeleton(text)` maps every character to its prototype in `confusables.txt` (Unicode's own
table, not a hand-made one): "0" → "O", "I" and "1" → "l", "m" → "rn", Cyrillic "а" → "a", so
two strings that look alike get the same skeleton. UTS #39 defines it on NFD text; the table is
read once per process and never changes while it runs.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

_DATA_PACKAGE = "confusables"
_DATA_FILE = "assets/confusables.txt"


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text("utf-8-sig")
    table: dict[str, str] = {}
    for line in text.splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        fields = [f.strip() for f in data.split(";")]
        if len(fields) < 2:
            continue
        source = "".join(chr(int(cp, 16)) for cp in fields[0].split())
        target = "".join(chr(int(cp, 16)) for cp in fields[1].split())
        if len(source) == 1:
            table[source] = target
    return table


def table_size() -> int:
    """How many characters the loaded table maps (a health check for tests)."""
    return len(_table())


def skeleton(text: str) -> str:
    """`NFD(map(NFD(text)))` with the UTS #39 confusables table."""
    table = _table()
    mapped = "".join(table.get(c, c) for c in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)
