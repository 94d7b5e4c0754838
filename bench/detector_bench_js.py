"""Benchmark the JavaScript detector in headless Chromium on the same lines as the Python one.

Usage: .venv/bin/python bench/detector_bench_js.py [--messages N] [--write]

Serves web_client/ and config/detector.json from a local aiohttp server, loads
web_client/js/detector.js in Debian's Chromium (never downloaded) and times detect() per
message with performance.now() (best of 5 rounds after three warm-up passes over all lines),
and in the same page the naive baseline: ONE big JavaScript RegExp alternation of the same
lexicon phrases (bench/detector_bench.py's ``naive_source``, Unicode word classes), best of 3.
--write replaces the JavaScript section of docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import DOC, write_section  # noqa: E402
from detector_bench import EVERYDAY, load_cases, messages, naive_source  # noqa: E402

from moderation import build_detector  # noqa: E402
from moderation.data import load_default_data  # noqa: E402
from tests.fixtures.services import CHROMIUM_ARGS, CHROMIUM_CANDIDATES, free_port  # noqa: E402

SECTION = "## Crisis-language detector (JavaScript, Chromium)"
TIMING = """
async ([groups, naiveSource]) => {
  const mod = await import('/web_client/js/detector.js');
  const data = await (await fetch('/api/detector.json')).json();
  const det = mod.compileDetector(data);
  // The naive baseline in the same run: one big alternation of the same phrases.
  const rx = new RegExp(naiveSource, 'gu');
  const naive = (l) => [...l.toLowerCase().matchAll(rx)];
  const out = {};
  const naiveOut = {};
  for (let w = 0; w < 3; w++) {
    for (const lines of Object.values(groups)) for (const l of lines) det.detect(l, null);
  }
  for (const [name, lines] of Object.entries(groups)) {
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (const l of lines) det.detect(l, null);
      best = Math.min(best, (performance.now() - t0) * 1000 / lines.length);
    }
    out[name] = best;
    let bestNaive = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      for (const l of lines) naive(l);
      bestNaive = Math.min(bestNaive, (performance.now() - t0) * 1000 / lines.length);
    }
    naiveOut[name] = bestNaive;
  }
  return {results: out, naive: naiveOut, ua: navigator.userAgent};
}
"""


async def measure(n: int) -> tuple[dict[str, float], dict[str, float], str]:
    """µs per message per group of lines (detect, naive baseline), and the user agent."""
    from playwright.async_api import async_playwright

    app = web.Application()
    app.router.add_get("/", lambda _: web.Response(text="<!doctype html><title>b</title>",
                                                   content_type="text/html"))
    app.router.add_get("/api/detector.json",
                       lambda _: web.FileResponse(ROOT / "config" / "detector.json"))
    app.router.add_static("/web_client/", ROOT / "web_client")
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    chromium = next((c for c in CHROMIUM_CANDIDATES if shutil.which(c)), None)
    if chromium is None:
        raise SystemExit("Chromium is not installed")
    everyday, hard, crisis = load_cases()
    groups = {"everyday lines": everyday + EVERYDAY, "hard level 0-1 cases": hard,
              "crisis cases": crisis, "mixed": messages(n)}
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{port}/")
            source = naive_source(build_detector(load_default_data()), js=True)
            got = await page.evaluate(TIMING, [groups, source])
            await browser.close()
    finally:
        await runner.cleanup()
    return got["results"], got["naive"], got["ua"]


def main(argv: list[str]) -> int:
    """Measure, print and optionally write the table."""
    n = int(argv[argv.index("--messages") + 1]) if "--messages" in argv else 3000
    results, naive, ua = asyncio.run(measure(n))
    version = next((p for p in ua.split() if p.startswith(("HeadlessChrome/", "Chrome/"))), ua)
    lines = [f"Same lines as the Python table ({n} mixed lines, fixed seed), {version}, "
             "performance.now(), best of 5 rounds after warm-up over all lines; load average "
             f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.", "",
             "| lines | detect µs/msg | msgs/s | naive regex µs/msg | naive ÷ detect |",
             "|---|---|---|---|---|"]
    lines += [f"| {k} | {v:.1f} | {1e6 / v:,.0f} | {naive[k]:.1f} | {naive[k] / v:.1f}x |"
              for k, v in results.items()]
    table = "\n".join(lines) + "\n"
    print(table)
    if "--write" in argv:
        write_section(DOC, SECTION, f"Command: `.venv/bin/python bench/detector_bench_js.py --write`\n\n{table}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
