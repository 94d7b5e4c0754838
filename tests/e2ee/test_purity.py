"""The e2ee core is sans-I/O: no network, event loop, clock, logging or ambient randomness."""

from __future__ import annotations

import ast
from pathlib import Path

import e2ee

FORBIDDEN = {"aiohttp", "socketio", "redis", "asyncio", "socket", "time", "datetime", "random",
             "logging", "secrets", "uuid", "sqlite3", "subprocess", "threading", "server",
             "client", "requests", "urllib", "http"}


def modules() -> list[Path]:
    return sorted(Path(e2ee.__file__).parent.glob("*.py"))


def test_no_forbidden_imports() -> None:
    assert len(modules()) >= 15
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_os_urandom_only_as_the_outermost_default() -> None:
    """Randomness is a parameter; os.urandom appears once, as ``default_rng``."""
    hits = []
    for path in modules():
        text = path.read_text(encoding="utf-8")
        if "import os" in text or "from os" in text:
            hits.append(path.name)
    assert hits == ["primitives.py"]
    src = (Path(e2ee.__file__).parent / "primitives.py").read_text(encoding="utf-8")
    assert src.count("os.urandom") == 1 and "default_rng: Rng = os.urandom" in src


def test_modules_stay_small() -> None:
    for path in modules():
        assert len(path.read_text(encoding="utf-8").splitlines()) < 420, path.name
