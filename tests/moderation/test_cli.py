"""``python -m moderation`` as a real subprocess: JSON Lines in and out, bad lines survive."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(stdin: str) -> tuple[list[dict], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "moderation"], input=stdin.encode("utf-8"), cwd=ROOT,
        capture_output=True, timeout=60, check=True,
    )
    lines = proc.stdout.decode("utf-8").splitlines()
    return [json.loads(x) for x in lines], proc.stderr.decode("utf-8")


def test_cli_processes_lines_and_reports_errors() -> None:
    lines = [
        json.dumps({"text": "en halua enää elää", "lang": "fi"}),
        "{not json",
        json.dumps({"text": 42}),
        json.dumps(["text"]),
        json.dumps({"text": "jag vill dö"}),
        json.dumps({"text": "kys", "lang": 5}),
        json.dumps({"text": "hello", "lang": "de"}),
        "",
        json.dumps({"text": "he is not breathing", "lang": None}),
    ]
    out, err = run_cli("\n".join(lines) + "\n")
    assert len(out) == len(lines)
    assert out[0]["severity"] == 2 and out[0]["categories"] == ["suicide"]
    assert out[1] == {"error": "bad_json", "line": 2, "severity": 0, "categories": []}
    assert out[2]["error"] == "bad_text"
    assert out[3]["error"] == "not_an_object"
    assert out[4]["severity"] == 2 and out[4]["language"] == "sv"
    assert out[5]["error"] == "bad_lang"
    assert out[6]["severity"] == 0 and "error" not in out[6]
    assert out[7]["error"] == "bad_json"
    assert out[8]["severity"] == 4 and out[8]["categories"] == ["overdose"]
    assert err == ""


def test_cli_handles_unicode_and_crlf() -> None:
    out, _ = run_cli(json.dumps({"text": "ｋｉｌｌ ｍｙｓｅｌｆ"}, ensure_ascii=False) + "\r\n")
    assert out[0]["severity"] == 3
    assert out[0]["matches"][0]["span"] == [0, 11]


def test_cli_empty_input() -> None:
    out, _ = run_cli("")
    assert out == []
