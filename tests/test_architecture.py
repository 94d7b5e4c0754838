"""The import arrows of ARCHITECTURE.md §2 and the ~400-line habit, for every Python package.

Each rule is data (`RULES`): the modules it covers and the imports they must not make. The
checker reads imports with `ast` (relative imports resolved), so nothing is executed. Every rule
is shown able to fail on a synthetic violation written to a temporary tree. The web client's
folders have their own test (tests/web_client/test_architecture.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("e2ee", "moderation", "escalation", "config", "client", "server")
NETWORK = ("aiohttp", "socketio", "engineio", "redis", "sqlite3", "socket", "asyncio",
           "urllib.request", "http.client", "httpx", "requests", "websockets")
# Modules that read the clock, randomness or the environment themselves.
AMBIENT = ("time", "random", "secrets", "uuid", "os", "logging")
SERVER_OUTER = ("server.api", "server.app", "server.__main__", "server.staff_wiring",
                "server.admin")


@dataclass(frozen=True)
class Rule:
    """Modules under `scope` (a dotted prefix) import none of `forbidden` (dotted prefixes),
    except the modules listed in `exempt` (each with its reason in a comment)."""

    name: str
    scope: str
    forbidden: tuple[str, ...]
    exempt: tuple[str, ...] = ()


RULES = (
    # The pure cores: no I/O, no server, no client. (`e2ee.primitives` reads os.urandom as the
    # default randomness, passed in everywhere else, so `os` is not forbidden there.)
    *(Rule(f"{core} is a pure core", core, (*NETWORK, "server", "client"))
      for core in ("e2ee", "moderation", "escalation")),
    Rule("config only loads", "config", (*NETWORK, "server", "client")),
    Rule("client never imports server", "client", ("server",)),
    # Inside server/: api -> handlers -> storage ports; wire and domain below them.
    # (nor `moderation.records`: the stored form is the storage adapters' business, ports are typed)
    Rule("handlers import neither socketio nor aiohttp, nor the adapters or store backends",
         "server.handlers", ("socketio", "engineio", "aiohttp", "redis", "sqlite3",
                             "server.storage.embedded", "server.storage.redis",
                             "moderation.records", *SERVER_OUTER)),
    Rule("api reaches storage only through handlers", "server.api",
         ("redis", "sqlite3", "server.storage", "server.app"),
         # The Socket.IO fan-out's own pub/sub (per-room channels, issue 14) is the transport
         # between server processes, not storage: it reads no store; its replay window
         # (server.api.redis_replay) keeps only the packets it relays, capped and expiring.
         exempt=("server.api.redis_manager", "server.api.redis_replay")),
    Rule("storage serves handlers, never calls them", "server.storage",
         ("server.handlers", "server.wire", *SERVER_OUTER)),
    # wire may carry domain records (a queued envelope is its own push), nothing with I/O.
    Rule("wire is typed data only", "server.wire",
         (*NETWORK, *AMBIENT, "server.handlers", "server.storage", *SERVER_OUTER)),
    Rule("domain is pure", "server.domain",
         (*NETWORK, *AMBIENT, "server.handlers", "server.storage", "server.keys",
          "server.keyfile", "server.logs", "server.metrics", *SERVER_OUTER)),
)

MAX_LINES = 400
# Files allowed past MAX_LINES, each with the reason it is one file.
LONG_FILES: dict[str, str] = {
    "bench/e2ee_bench.py": "a benchmark is one runnable script (set-up, runs, report table)",
    "bench/relay_bench.py": "a benchmark is one runnable script (deployments, runs, report)",
    "tests/web_client/test_interop.py": "one browser and one Python peer in each test share "
                                        "a single two-party harness; a split would copy it",
}


def module_name(path: Path, root: Path) -> str:
    """`server/api/socket.py` -> `server.api.socket` (a package's `__init__` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> set[str]:
    """Every module `path` imports (absolute dotted names; `from x import y` gives `x.y` as
    well as `x`, so a rule on a submodule sees `from server.storage import redis`)."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(root: Path, rules: tuple[Rule, ...] = RULES) -> list[str]:
    """`module -> import (rule)` for every broken arrow under `root`."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            module = module_name(path, root)
            for rule in rules:
                if not under(module, rule.scope) or module in rule.exempt:
                    continue
                for name in sorted(imports_of(path, root)):
                    if any(under(name, bad) for bad in rule.forbidden):
                        found.append(f"{module} -> {name} ({rule.name})")
    return found


def long_files(root: Path, allowed: dict[str, str]) -> list[str]:
    """Python files past MAX_LINES that the allow-list does not name."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith((".venv/", "build/")) or "/.venv/" in rel or rel in allowed:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found.append(f"{rel}: {lines} lines")
    return found


def test_every_import_arrow_holds() -> None:
    assert violations(ROOT) == []


def test_python_files_stay_around_400_lines() -> None:
    assert long_files(ROOT, LONG_FILES) == []


def test_the_allow_list_names_only_long_files_that_exist() -> None:
    for rel in LONG_FILES:
        path = ROOT / rel
        assert path.exists(), rel
        assert len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES, rel


def test_every_server_module_is_in_a_layer_or_the_composition_root() -> None:
    top_level = {p.name for p in (ROOT / "server").glob("*.py")}
    # Composition root and process-wide infrastructure; everything else lives in a layer.
    assert top_level <= {"__init__.py", "__main__.py", "app.py", "staff_wiring.py", "clock.py",
                         "keys.py", "keyfile.py", "limits.py", "logs.py", "metrics.py",
                         "redis_options.py"}
    layers = {p.name for p in (ROOT / "server").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert layers == {"api", "wire", "handlers", "domain", "storage", "admin"}


# -- each rule shown able to fail ------------------------------------------------------------

SYNTHETIC = [
    ("e2ee/leak.py", "import redis\n", "e2ee is a pure core"),
    ("moderation/leak.py", "from server.handlers import rooms\n", "moderation is a pure core"),
    ("escalation/leak.py", "import asyncio\n", "escalation is a pure core"),
    ("config/leak.py", "from aiohttp import web\n", "config only loads"),
    ("client/leak.py", "from server.wire.requests import Auth\n", "client never imports server"),
    ("server/handlers/leak.py", "import socketio\n", "handlers import neither"),
    ("server/handlers/leak2.py", "from aiohttp import web\n", "handlers import neither"),
    ("server/handlers/leak3.py", "from server.api import socket\n", "handlers import neither"),
    ("server/handlers/leak4.py", "from ..storage.redis import rooms\n", "handlers import neither"),
    ("server/handlers/leak5.py", "from moderation.records import to_record\n",
     "handlers import neither"),
    ("server/api/leak.py", "from server.storage import ports\n", "api reaches storage"),
    ("server/storage/leak.py", "from server.handlers.rooms import join\n", "storage serves"),
    ("server/wire/leak.py", "import time\n", "wire is typed data"),
    ("server/domain/leak.py", "import time\n", "domain is pure"),
    ("server/domain/leak2.py", "from server.storage import ports\n", "domain is pure"),
]


@pytest.mark.parametrize(("rel", "source", "rule"), SYNTHETIC)
def test_each_arrow_rule_catches_a_violation(tmp_path: Path, rel: str, source: str,
                                             rule: str) -> None:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    found = violations(tmp_path)
    assert found and all(rule in line for line in found), found


def test_every_rule_has_a_synthetic_violation() -> None:
    covered = {rule for _, _, rule in SYNTHETIC}
    for rule in RULES:
        assert any(rule.name.startswith(c) for c in covered), rule.name


def test_the_line_rule_catches_a_long_file_and_honours_the_allow_list(tmp_path: Path) -> None:
    (tmp_path / "server").mkdir()
    long = tmp_path / "server" / "big.py"
    long.write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    assert long_files(tmp_path, {}) == [f"server/big.py: {MAX_LINES + 1} lines"]
    assert long_files(tmp_path, {"server/big.py": "reason"}) == []


# -- the server uses e2ee/ for every signed byte format ---------------------------------------

def e2ee_labels() -> list[str]:
    """The domain-separation labels of every signed or MACed format in e2ee/."""
    from e2ee import franking, identity, membership

    return [identity.AUTH_LABEL.decode().rstrip("\x00"), franking.STAMP_LABEL.decode().rstrip("\x00"),
            franking.FRANK_LABEL.decode().rstrip("\x00"), membership.MEMBERSHIP_LABEL]


def copied_formats(root: Path) -> list[str]:
    """Server modules that spell out one of e2ee's labels (a copy of the format)."""
    found = []
    for path in sorted((root / "server").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(root).as_posix()}: {label}" for label in e2ee_labels()
                  if label in text]
    return found


def test_the_server_copies_no_signed_byte_format() -> None:
    assert copied_formats(ROOT) == []


def test_a_copied_format_is_caught(tmp_path: Path) -> None:
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "crypto.py").write_text(
        'FRANK_CONTEXT = b"iltapiiri/frank-stamp/v1\\x00"\n', encoding="utf-8")
    assert copied_formats(tmp_path) == ["server/crypto.py: iltapiiri/frank-stamp/v1"]
