"""The pipeline models of moderation/ and the whole of escalation/ are pure: no I/O, no clock,
no randomness, no networking, and they never import the server or the client."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODELS = ["limits", "flags", "alerts", "sanctions", "authorise", "notices", "audit", "records"]
FILES = [ROOT / "moderation" / f"{m}.py" for m in MODELS] + sorted((ROOT / "escalation").glob("*.py"))
FORBIDDEN = {"aiohttp", "socketio", "redis", "asyncio", "socket", "time", "random", "secrets",
             "uuid", "logging", "sqlite3", "subprocess", "threading", "os", "pathlib", "io",
             "server", "client", "requests", "urllib", "http", "importlib", "config"}
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic", "perf_counter", "urandom"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_io_clock_or_randomness(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in CLOCK_CALLS, f"{path.name} calls .{node.func.attr}()"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"open", "print", "input"}, f"{path.name} calls {node.func.id}()"


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) < 420

