"""``python -m moderation``: JSON Lines in, one JSON object per line out.

Each input line is ``{"text": "...", "lang": "fi"|"sv"|"en"|null}`` (``lang`` optional). Each
output line is the detection (``severity`` int, ``categories`` list, ``language``, ``matches``)
or, for a line that cannot be used, ``{"error": "<code>", "line": n, "severity": 0,
"categories": []}`` and the run goes on. Error codes: ``bad_json``, ``not_an_object``,
``bad_text``, ``bad_lang``, ``too_large``. Blank lines are echoed as errors too so output lines
stay aligned with input lines. Nothing of the text is ever written to stderr.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from moderation import default_detector
from moderation.engine import MAX_TEXT_CHARS

MAX_LINE_CHARS = 4 * MAX_TEXT_CHARS
LANG_HINTS = ("fi", "sv", "en")


def _error(code: str, line: int) -> dict[str, Any]:
    return {"error": code, "line": line, "severity": 0, "categories": []}


def handle_line(raw: str, line: int) -> dict[str, Any]:
    """Decode one input line and detect, or return an error object with a stable code."""
    if len(raw) > MAX_LINE_CHARS:
        return _error("too_large", line)
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        return _error("bad_json", line)
    if not isinstance(obj, dict):
        return _error("not_an_object", line)
    text = obj.get("text")
    if not isinstance(text, str):
        return _error("bad_text", line)
    lang = obj.get("lang")
    if lang is not None and lang not in LANG_HINTS:
        if not isinstance(lang, str):
            return _error("bad_lang", line)
        lang = None  # an unknown language hint is ignored rather than refused: detect anyway
    return default_detector().detect(text, lang).to_json()


def main(stdin: TextIO, stdout: TextIO) -> int:
    """Process every line of stdin; always exit 0 unless the output breaks."""
    for n, raw in enumerate(stdin, 1):
        result = handle_line(raw.rstrip("\r\n"), n)
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


if __name__ == "__main__":
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    raise SystemExit(main(sys.stdin, sys.stdout))
