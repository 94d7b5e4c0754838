"""axe-core for the browser tests, installed from the npm registry by the test set-up (never
vendored): `npm install axe-core@AXE_VERSION` into test-artifacts/node once, then injected into
a page over CDP (so the page's CSP, which allows only its own scripts, is left as shipped)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.fixtures.services import missing

AXE_VERSION = "4.14.1"
PREFIX = Path(__file__).resolve().parents[2] / "test-artifacts" / "node"
AXE_FILE = PREFIX / "node_modules" / "axe-core" / "axe.min.js"

RUN = """async (rules) => {
  const r = await window.axe.run(document, { resultTypes: ['violations'], rules });
  return r.violations.map((v) => ({ id: v.id, impact: v.impact,
    nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
}"""


def axe_source() -> str:
    """The axe-core script, installing it with npm the first time."""
    if not AXE_FILE.exists():
        npm = shutil.which("npm")
        if npm is None:
            missing("npm is not installed (needed to install axe-core)")
        PREFIX.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([str(npm), "install", "--no-audit", "--no-fund", "--silent",
                               "--prefix", str(PREFIX), f"axe-core@{AXE_VERSION}"],
                              capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0 or not AXE_FILE.exists():
            missing(f"npm install axe-core failed: {done.stderr[-400:]}")
    return AXE_FILE.read_text(encoding="utf-8")


async def axe_violations(page: Any, source: str,
                         enable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (injected once per document); `enable`
    turns on rules axe leaves off by default (``target-size``: WCAG 2.2's 24 px targets)."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(source)
    return list(await page.evaluate(RUN, {rule: {"enabled": True} for rule in enable}))
