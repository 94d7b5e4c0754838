"""The header at phone, tablet and desktop widths, in every language: the quick exit stays in the
first row at the corner, fully on screen and clear of the other controls; on a desktop everything
is one tidy row (the quick exit used to drop to a line of its own beside the long help label)."""

from __future__ import annotations

import pytest

from tests.web_client.conftest import OpenPeer

RECTS = """() => {
  const r = (sel) => { const b = document.querySelector(sel).getBoundingClientRect();
    return { left: b.left, right: b.right, top: b.top, bottom: b.bottom }; };
  return { brand: r('.brand'), lang: r('#lang'), help: r('#help-button'), exit: r('#exit-button'),
           topbar: r('.topbar'), width: window.innerWidth,
           scroll: document.documentElement.scrollWidth };
}"""


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def mid(r: dict) -> float:
    return (r["top"] + r["bottom"]) / 2


@pytest.mark.parametrize("width", [360, 768, 1280])
async def test_the_header_is_tidy_and_the_quick_exit_stays_at_the_corner(
        live_server, open_peer: OpenPeer, width: int) -> None:
    for locale in ("fi-FI", "sv-FI", "en-GB"):
        peer = await open_peer(live_server.url, locale=locale, width=width, height=740)
        await peer.page.wait_for_selector("section.welcome")
        r = await peer.page.evaluate(RECTS)
        where = f"{locale} at {width}px: {r}"
        await peer.screenshot(f"18-header-{width}-{locale}")
        assert r["scroll"] <= width, where
        exit_ = r["exit"]
        assert exit_["left"] >= 0 and exit_["right"] <= width and exit_["top"] >= 0, where
        # First row, beside the name: the corner where a person reaching for it finds it.
        assert abs(mid(exit_) - mid(r["brand"])) < 12, where
        assert not overlap(exit_, r["lang"]) and not overlap(exit_, r["help"]), where
        assert not overlap(r["lang"], r["help"]), where
        # Nothing to the right of the quick exit in its row.
        assert exit_["right"] >= max(r["lang"]["right"], r["brand"]["right"]), where
        if width >= 1280:
            # One row: language, help and quick exit side by side.
            assert abs(mid(r["help"]) - mid(exit_)) < 12 and abs(mid(r["lang"]) - mid(exit_)) < 12, where
            assert r["topbar"]["bottom"] - r["topbar"]["top"] < 80, where
        else:
            # At most two rows: the help button under the first one, never a third row.
            assert r["topbar"]["bottom"] - r["topbar"]["top"] < 150, where
        await peer.context.close()


async def test_the_help_dialog_has_its_own_quick_exit_at_360px(live_server, open_peer: OpenPeer) -> None:
    """The help panel is modal and covers the header at 360 px: its own quick exit is on screen."""
    peer = await open_peer(live_server.url, locale="fi-FI", width=360, height=740)
    page = peer.page
    await page.wait_for_selector("section.welcome")
    await page.click("#help-button")
    await page.wait_for_selector("#help-panel[open]")
    button = page.locator("#help-panel .dialog-exit")
    box = await button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["y"] >= 0
    assert await button.inner_text() == await page.inner_text("#exit-button")
    await button.click()
    await page.wait_for_url("**/away.html")
    await peer.context.close()
