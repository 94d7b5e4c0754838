"""The WebCrypto primitives replay every RFC vector file in tests/vectors/ inside Chromium."""

from __future__ import annotations

import json

from tests.web_client.conftest import REPO_ROOT, OpenPeer

VECTORS = REPO_ROOT / "tests" / "vectors"
# The primitive vectors this layer must pass; files for the protocol itself (ratchet, sender
# keys, franking...) are replayed by the e2ee port's own browser test.
PRIMITIVE_FILES = {"rfc7748_x25519.json", "rfc8032_ed25519.json", "rfc5869_hkdf_sha256.json",
                   "rfc4231_hmac_sha256.json", "gcm_aes256.json", "wycheproof_ed25519_subset.json",
                   "iltapiiri_identity.json"}


async def test_primitive_vectors_pass_in_chromium(live_server, open_peer: OpenPeer) -> None:
    files = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(VECTORS.glob("*.json"))}
    missing = PRIMITIVE_FILES - files.keys()
    assert not missing, f"vector files not found: {missing}"
    peer = await open_peer(live_server.url, path="/selftest.html")
    await peer.page.wait_for_selector("body[data-done]")
    assert await peer.page.get_attribute("body", "data-done") == "pass"
    results = await peer.page.evaluate(
        "async (files) => (await import('/js/crypto/selftest.js')).runVectors(files)", files)
    failed = [r for r in results if r["ok"] is False]
    assert failed == []
    ran = {r["file"] for r in results if r["ok"] is True}
    assert ran >= PRIMITIVE_FILES
    per_file = {f: sum(1 for r in results if r["file"] == f and r["ok"]) for f in PRIMITIVE_FILES}
    # Every case in every file ran (not just the first one).
    assert per_file["rfc4231_hmac_sha256.json"] == len(files["rfc4231_hmac_sha256.json"]["tests"])
    assert per_file["rfc5869_hkdf_sha256.json"] == len(files["rfc5869_hkdf_sha256.json"]["tests"])
    assert per_file["rfc8032_ed25519.json"] == 4 * len(files["rfc8032_ed25519.json"]["tests"])
    assert per_file["wycheproof_ed25519_subset.json"] == len(files["wycheproof_ed25519_subset.json"]["tests"])
    assert per_file["iltapiiri_identity.json"] == 3
    builtin = {r["name"] for r in results if r["file"] == "builtin" and r["ok"]}
    assert {"x25519 refuses zero point", "x25519 refuses order-8 point",
            "non-extractable key refuses export"} <= builtin
    assert await peer.csp_violations() == []
    await peer.context.close()


async def test_a_wrong_vector_is_caught(live_server, open_peer: OpenPeer) -> None:
    """The runner can fail: a corrupted expected value shows up as a failure."""
    doc = json.loads((VECTORS / "rfc4231_hmac_sha256.json").read_text(encoding="utf-8"))
    doc["tests"][0]["mac"] = "00" + doc["tests"][0]["mac"][2:]
    peer = await open_peer(live_server.url, path="/selftest.html")
    results = await peer.page.evaluate(
        "async (files) => (await import('/js/crypto/selftest.js')).runVectors(files)",
        {"rfc4231_hmac_sha256.json": doc})
    bad = [r["name"] for r in results if r["ok"] is False]
    assert bad == ["case 1"]
    await peer.context.close()
