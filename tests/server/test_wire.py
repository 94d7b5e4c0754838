"""Typed request decoding (pure): shapes, base64, sizes."""

from __future__ import annotations

import base64

import pytest

from server.limits import MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_ONE_TIME_PREKEYS_PER_PUBLISH
from server.wire.errors import ERROR_CODES, ApiError
from server.wire.requests import Auth, DirectSend, InboxAck, KeysPublish, RoomSend, b64decode_field


def b64(n: int, fill: bytes = b"\x01") -> str:
    return base64.b64encode(fill * n).decode()


def code(exc: pytest.ExceptionInfo[ApiError]) -> str:
    return exc.value.code


def test_base64_must_be_canonical_and_padded() -> None:
    assert b64decode_field("AAE=", "x") == b"\x00\x01"
    for bad in ("AAE", "AA E=", "AAE=\n", "AAF=", "!!!!", 5, None):
        with pytest.raises(ApiError) as err:
            b64decode_field(bad, "x")
        assert code(err) == "bad_request"


def test_room_send_sizes() -> None:
    ok = {"room": "open/2026-11-26", "kind": "msg", "header": b64(MAX_HEADER_BYTES),
          "body": b64(MAX_BODY_BYTES), "commitment": b64(32)}
    req = RoomSend.decode(ok)
    assert len(req.envelope.body) == MAX_BODY_BYTES and req.envelope.commitment is not None
    with pytest.raises(ApiError) as err:
        RoomSend.decode({**ok, "body": b64(MAX_BODY_BYTES + 1)})
    assert code(err) == "too_large"
    with pytest.raises(ApiError) as err:
        RoomSend.decode({**ok, "header": b64(MAX_HEADER_BYTES + 1)})
    assert code(err) == "too_large"
    with pytest.raises(ApiError) as err:
        RoomSend.decode({**ok, "commitment": b64(31)})
    assert code(err) == "bad_request"
    for field, value in (("kind", "Has Caps"), ("kind", ""), ("kind", "x" * 33), ("room", 5),
                         ("body", None)):
        with pytest.raises(ApiError) as err:
            RoomSend.decode({**ok, field: value})
        assert code(err) == "bad_request", field


def test_payload_must_be_an_object() -> None:
    for bad in ([], "x", 5):
        with pytest.raises(ApiError):
            DirectSend.decode(bad)


def test_auth_sizes_and_redacted_repr() -> None:
    req = Auth.decode({"identity_key": b64(32), "signature": b64(64), "pseudonym": "Alice"})
    assert "Alice" not in repr(req) and b64(32) not in repr(req)
    with pytest.raises(ApiError):
        Auth.decode({"identity_key": b64(31), "signature": b64(64)})
    with pytest.raises(ApiError):
        Auth.decode({"identity_key": b64(32), "signature": b64(63)})


def test_send_repr_hides_content() -> None:
    req = DirectSend.decode({"to": "Alice", "kind": "msg", "header": b64(3, b"h"),
                             "body": b64(10, b"s")})
    text = repr(req)
    assert "Alice" not in text and b64(10, b"s") not in text and "10B" in text


def test_keys_publish_limits() -> None:
    bundle = {"dh_key": b64(32), "dh_sig": b64(64),
              "signed_prekey": {"id": 1, "key": b64(32), "sig": b64(64)}}
    prekeys = [{"id": i, "key": b64(32)} for i in range(MAX_ONE_TIME_PREKEYS_PER_PUBLISH)]
    assert len(KeysPublish.decode({**bundle, "one_time_prekeys": prekeys}).one_time_prekeys) == 100
    with pytest.raises(ApiError) as err:
        KeysPublish.decode({**bundle, "one_time_prekeys": [*prekeys, {"id": 999, "key": b64(32)}]})
    assert code(err) == "too_large"
    with pytest.raises(ApiError):
        KeysPublish.decode({**bundle, "one_time_prekeys": [{"id": 1, "key": b64(32)}] * 2})
    with pytest.raises(ApiError):
        KeysPublish.decode({**bundle, "signed_prekey": {"id": -1, "key": b64(32), "sig": b64(64)}})
    with pytest.raises(ApiError):
        KeysPublish.decode({**bundle, "signed_prekey": {"id": True, "key": b64(32),
                                                         "sig": b64(64)}})


def test_inbox_ack_ids() -> None:
    assert InboxAck.decode({"ids": ["0" * 32]}).ids == ("0" * 32,)
    with pytest.raises(ApiError):
        InboxAck.decode({"ids": ["nope"]})
    with pytest.raises(ApiError) as err:
        InboxAck.decode({"ids": ["0" * 32] * 101})
    assert code(err) == "too_large"


def test_error_codes_are_closed() -> None:
    with pytest.raises(ValueError):
        ApiError("made_up")
    assert len(set(ERROR_CODES)) == len(ERROR_CODES)
