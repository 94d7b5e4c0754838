"""The client is composed, not stacked: no class of ``client/`` inherits from another one.

Only the error tree (``ClientError`` and its subclasses) and interfaces (``Protocol``) may have
bases inside the package; a part that needs another gets it as an argument. Each rule is shown
able to fail on a small made-up module.
"""

from __future__ import annotations

import ast
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "client"
ALLOWED_BASES = {"Exception", "TimeoutError", "Protocol", "ClientError", "RoomClosedError"}


def inheritance(source: str) -> list[str]:
    """``Class(Base)`` for every base outside ``ALLOWED_BASES``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = ast.unparse(base)
                if name.split("[")[0] not in ALLOWED_BASES:
                    found.append(f"{node.name}({name})")
    return found


def server_imports(source: str) -> list[str]:
    """Modules of ``server`` that ``source`` imports."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "server"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "server":
            found.append(node.module or "")
    return found


def test_no_client_class_inherits_behaviour() -> None:
    offenders = {
        path.name: found
        for path in sorted(CLIENT.glob("*.py"))
        if (found := inheritance(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_client_does_not_import_server() -> None:
    offenders = {
        path.name: found
        for path in sorted(CLIENT.glob("*.py"))
        if (found := server_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_rules_can_fail() -> None:
    mixin = "class PeerBase:\n    pass\nclass DirectFlow(PeerBase):\n    pass\n"
    assert inheritance(mixin) == ["DirectFlow(PeerBase)"]
    assert server_imports("from server.clock import FakeClock\nimport server.app\n") == [
        "server.clock", "server.app",
    ]
