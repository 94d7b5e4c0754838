"""The web client's layout, held: import arrows between web_client/js folders and the ~400-line
habit for .js files (../shared/ARCHITECTURE.md section 2, STYLE.md habit 6).

Arrows (a folder's modules may not import the named modules or folders, statically or with a
dynamic import):
- e2ee/ and detector/ are the protocol and detection cores: no DOM, view, socket, session, page
  wiring or staff code (e2ee/index.js, the engine's seam to the page, is the one e2ee module
  that reads the session through the context it is handed, and it imports none of those);
- detector/ imports only detector/ (pure, like moderation/);
- views/ talk to encryption only through messaging.js and the context: no e2ee/ module;
- nothing but the composition root (app.js) loads staff/, and only with a dynamic import, so a
  peer's page never downloads it.
One owner each: only directs.js acknowledges inbox envelopes; only session.js changes the
map of the rooms I am in (it says every change with an event).
Each rule is checked on the real tree and shown able to fail on a synthetic one.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from pathlib import Path

JS = Path(__file__).resolve().parents[2] / "web_client" / "js"
MAX_LINES = 400
# path under js/ -> why it may be longer (keep this short; split instead where you can)
LONG_FILES: dict[str, str] = {}

STATIC = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]""", re.M)
DYNAMIC = re.compile(r"""\bimport\(\s*['"]([^'"]+)['"]\s*\)""")

UI = ("views/", "dom.js", "socketio.js", "session.js", "router.js", "app.js", "main.js",
      "i18n.js", "i18n/", "messaging.js", "rooms.js", "directs.js", "quickexit.js", "staff/")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "e2ee/": UI,
    "detector/": (*UI, "e2ee/", "crypto/", "identity/", "safety/", "local.js"),
    "views/": ("e2ee/", "socketio.js", "staff/"),
}
ONLY: dict[str, tuple[str, ...]] = {"detector/": ("detector/",)}
DOM_GLOBALS = re.compile(r"\b(document|window|localStorage|sessionStorage)\s*\.")


def sources() -> dict[str, str]:
    """Every .js file under web_client/js, by path relative to it."""
    return {p.relative_to(JS).as_posix(): p.read_text(encoding="utf-8") for p in sorted(JS.rglob("*.js"))}


def imports(path: str, text: str) -> list[tuple[str, bool]]:
    """(target path under js/, dynamic?) of every relative import in `text`."""
    out = []
    for dynamic, pattern in ((False, STATIC), (True, DYNAMIC)):
        for match in pattern.finditer(text):
            spec = next(g for g in match.groups() if g)
            if spec.startswith("."):
                out.append((posixpath.normpath(posixpath.join(posixpath.dirname(path), spec)), dynamic))
    return out


def arrow_violations(files: Mapping[str, str]) -> list[str]:
    """'a -> b' for every import that breaks an arrow above, and DOM use in the cores."""
    bad = []
    for path, text in files.items():
        for target, dynamic in imports(path, text):
            for folder, banned in FORBIDDEN.items():
                if path.startswith(folder) and any(target == b or target.startswith(b) for b in banned):
                    bad.append(f"{path} -> {target}")
            for folder, allowed in ONLY.items():
                if path.startswith(folder) and not target.startswith(allowed):
                    bad.append(f"{path} -> {target}")
            if target.startswith("staff/") and not path.startswith("staff/") and not (path == "app.js" and dynamic):
                bad.append(f"{path} -> {target} (staff code only by app.js's dynamic import)")
        if path.startswith(("e2ee/", "detector/")) and path != "e2ee/index.js" and DOM_GLOBALS.search(text):
            bad.append(f"{path} uses the DOM")
    return sorted(set(bad))


OWNED = {
    "directs.js": re.compile(r"['\"]inbox\.ack['\"]"),
    "session.js": re.compile(r"\brooms\.(set|delete|clear)\(|\bthis\.rooms\s*=(?!=)"),
}


def second_owners(files: Mapping[str, str]) -> list[str]:
    """Modules other than the owner that acknowledge the inbox or write the rooms I am in
    (session.rooms; other objects' own `rooms` maps are named otherwise, e.g. flow.rooms is
    read-only outside e2ee/, Rooms.byRoom holds view state)."""
    bad = []
    for owner, pattern in OWNED.items():
        for path, text in files.items():
            if path == owner:
                continue
            if owner == "session.js" and not re.search(r"session\.rooms\.(set|delete|clear)\(", text):
                continue
            if owner == "directs.js" and not pattern.search(text):
                continue
            bad.append(f"{path} does what {owner} owns")
    return sorted(bad)


def long_files(files: Mapping[str, str], allowed: Mapping[str, str] = LONG_FILES) -> list[str]:
    """Files over MAX_LINES lines that are not on the allow-list."""
    return sorted(p for p, t in files.items() if len(t.splitlines()) > MAX_LINES and p not in allowed)


def test_import_arrows_hold() -> None:
    files = sources()
    assert {"e2ee/engine.js", "detector/engine.js", "views/chat.js", "app.js"} <= files.keys()
    assert arrow_violations(files) == []


def test_one_owner_each() -> None:
    files = sources()
    assert OWNED["directs.js"].search(files["directs.js"])
    assert OWNED["session.js"].search(files["session.js"])
    assert second_owners(files) == []


def test_owner_rule_can_fail() -> None:
    synthetic = {
        "e2ee/engine.js": "relay.request('inbox.ack', { ids });\n",
        "e2ee/index.js": "this.session.rooms.delete(room);\n",
        "views/chat.js": "ctx.rooms.forget(room);\n",
    }
    assert second_owners(synthetic) == [
        "e2ee/engine.js does what directs.js owns",
        "e2ee/index.js does what session.js owns",
    ]


def test_every_js_file_keeps_to_the_line_budget() -> None:
    files = sources()
    assert long_files(files) == []
    assert set(LONG_FILES) <= files.keys(), "an allow-listed file is gone: drop it from LONG_FILES"


def test_arrow_rules_can_fail() -> None:
    synthetic = {
        "e2ee/leaky.js": "import { h } from '../dom.js';\nexport const x = document.title;\n",
        "e2ee/ok.js": "import { hex } from './bytes.js';\n",
        "detector/chatty.js": "import { b64e } from '../e2ee/bytes.js';\n",
        "detector/viewy.js": "const v = await import('../views/chat.js');\n",
        "views/peek.js": "import { GroupKeys } from '../e2ee/group.js';\n",
        "views/staffy.js": "export { console } from '../staff/index.js';\n",
        "app.js": "import { x } from './staff/index.js';\nconst y = import('./staff/index.js');\n",
        "main.js": "import('./staff/index.js');\n",
    }
    assert arrow_violations(synthetic) == [
        "app.js -> staff/index.js (staff code only by app.js's dynamic import)",
        "detector/chatty.js -> e2ee/bytes.js",
        "detector/viewy.js -> views/chat.js",
        "e2ee/leaky.js -> dom.js",
        "e2ee/leaky.js uses the DOM",
        "main.js -> staff/index.js (staff code only by app.js's dynamic import)",
        "views/peek.js -> e2ee/group.js",
        "views/staffy.js -> staff/index.js",
        "views/staffy.js -> staff/index.js (staff code only by app.js's dynamic import)",
    ]


def test_line_rule_can_fail() -> None:
    files = {"e2ee/big.js": "x\n" * (MAX_LINES + 1), "e2ee/fine.js": "x\n" * MAX_LINES}
    assert long_files(files) == ["e2ee/big.js"]
    assert long_files(files, {"e2ee/big.js": "a generated table"}) == []


def code_lines(text: str) -> list[str]:
    """Lines of `text` outside comments (block comments at line start, // comments)."""
    without = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return [ln.strip() for ln in without.splitlines() if ln.strip() and not ln.strip().startswith("//")]


def not_reexports(text: str) -> list[str]:
    """Code lines of `text` that are not `export ... from '...'`."""
    return [ln for ln in code_lines(text) if not re.fullmatch(r"export \{[^}]*\} from '[^']+';", ln)]


def test_detector_entry_is_a_thin_reexport() -> None:
    """js/detector.js is the public entry only; everything lives in js/detector/."""
    assert not_reexports(sources()["detector.js"]) == []
    assert not_reexports("export { a } from './detector/a.js';\nexport const b = 1;\n") == ["export const b = 1;"]
