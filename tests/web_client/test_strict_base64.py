"""docs/crypto.md section 1: base64 decoders are strict, and strict means canonical.

`atob` ignores the unused low bits of the last character ("QR==" and "QQ==" both give b"A"), so
the browser accepted text the Python side (e2ee.encoding.b64d) refuses. Every decoder of the web
client goes through `b64decode` in js/crypto/primitives.js (the e2ee port's `b64d` wraps it); the
cases are those of tests/e2ee/test_review_base64.py, and the same strings are checked against
Python here so the two sides cannot drift apart.
"""

from __future__ import annotations

import base64

import pytest

from e2ee.encoding import b64d
from e2ee.errors import DecodeError
from tests.web_client.conftest import OpenPeer

REFUSED = ["QR==", "QUJ=", "QUJD\n", " QUJD", "QUJ", "QQ", "QUI=\n", "AQ", "Zm9vYg=", "Zm9vYh==",
           "Zm9=", "/w==x", "-_8=", "QUJD===="]
ACCEPTED = [b"", b"A", b"AB", b"ABC", bytes(range(256)), b"\xff\xfe"]

DECODE_ALL = """async ({texts, valid}) => {
  const P = await import('/js/crypto/primitives.js');
  const B = await import('/js/e2ee/bytes.js');
  const outcome = (fn) => { try { return ['ok', P.bytesToHex(fn())]; } catch (e) { return ['refused', e.code]; } };
  return {
    primitives: texts.map((t) => outcome(() => P.b64decode(t))),
    e2ee: texts.map((t) => outcome(() => B.b64d(t, 'field'))),
    valid: valid.map((t) => outcome(() => P.b64decode(t))),
  };
}"""


@pytest.mark.parametrize("text", REFUSED)
def test_python_refuses_the_same_cases(text: str) -> None:
    with pytest.raises(DecodeError):
        b64d(text, "field")


async def test_the_browser_refuses_non_canonical_base64(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, path="/selftest.html")
    await peer.page.wait_for_selector("body[data-done]")
    assert await peer.page.get_attribute("body", "data-done") == "pass"
    valid = [base64.b64encode(b).decode("ascii") for b in ACCEPTED]
    got = await peer.page.evaluate(DECODE_ALL, {"texts": REFUSED, "valid": valid})
    assert got["primitives"] == [["refused", "bad_base64"]] * len(REFUSED)
    assert got["e2ee"] == [["refused", "malformed"]] * len(REFUSED)
    assert got["valid"] == [["ok", b.hex()] for b in ACCEPTED]
    # The self-test page checks it too.
    results = await peer.page.evaluate(
        "async () => (await import('/js/crypto/selftest.js')).runVectors({})")
    names = {r["name"]: r["ok"] for r in results if r["file"] == "builtin"}
    assert names.get("base64 refuses non-canonical text") is True
    await peer.context.close()


async def test_a_non_canonical_backup_file_is_refused(live_server, open_peer: OpenPeer) -> None:
    """The identity import reads the same decoder: a salt with non-zero spare bits is a bad file."""
    peer = await open_peer(live_server.url)
    result = await peer.page.evaluate("""async () => {
      const { parseBackup } = await import('/js/identity/backup.js');
      const doc = { format: 'iltapiiri-identity', version: 1,
        kdf: { name: 'PBKDF2-SHA256', iterations: 600000, salt: 'AAAAAAAAAAAAAAAAAAAAAB==' },
        cipher: { name: 'AES-256-GCM', nonce: 'AAAAAAAAAAAAAAAA' },
        public_key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', ciphertext: 'AAAA' };
      const outcome = (d) => { try { parseBackup(JSON.stringify(d)); return 'ok'; } catch (e) { return e.code; } };
      const canonical = outcome({ ...doc, kdf: { ...doc.kdf, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' } });
      return [outcome(doc), canonical];
    }""")
    assert result == ["bad_file", "ok"]
    await peer.context.close()
