"""Inner content: padding, typed round trips, strict decoding."""

from __future__ import annotations

import pytest

from e2ee import (
    ControlContent,
    DecodeError,
    LimitError,
    PaddingError,
    TextContent,
    VersionError,
    decode_content,
    encode_content,
    limits,
    pad,
    unpad,
)


@pytest.mark.parametrize("n", [0, 1, 158, 159, 160, 161, 319, 320, 1000])
def test_pad_round_trip_and_block_multiple(n: int) -> None:
    data = bytes([0x80]) * n  # data ending in 0x80 must survive
    padded = pad(data)
    assert len(padded) % limits.PAD_BLOCK == 0
    assert len(padded) - n <= limits.PAD_BLOCK and len(padded) > n
    assert unpad(padded) == data


@pytest.mark.parametrize("bad", [b"", b"\x80" * 159, bytes(160), b"A" * 159 + b"\x01",
                                 b"A" + b"\x80" + bytes(318)])
def test_unpad_rejects(bad: bytes) -> None:
    with pytest.raises(PaddingError):
        unpad(bad)


def test_lengths_hidden_within_a_block() -> None:
    a = encode_content(TextContent("a", bytes(32)))
    b = encode_content(TextContent("a" * 100, bytes(32)))
    assert len(a) == len(b) == 160


def test_content_round_trips() -> None:
    for c in (TextContent("hyvää iltaa ✓", b"\x07" * 32), ControlContent("dm_request", b"x" * 10),
              ControlContent("rotated")):
        assert decode_content(encode_content(c)) == c


def test_decode_rejects_bad_version_type_trailing() -> None:
    good = encode_content(ControlContent("a"))
    body = unpad(good)
    with pytest.raises(VersionError):
        decode_content(pad(b"\x02" + body[1:]))
    with pytest.raises(DecodeError):
        decode_content(pad(body[:1] + b"\x09" + body[2:]))
    with pytest.raises(DecodeError):
        decode_content(pad(body + b"\x00"))
    with pytest.raises(DecodeError):
        decode_content(pad(body[:-1]))
    text = unpad(encode_content(TextContent("ok", bytes(32))))
    with pytest.raises(DecodeError):  # invalid UTF-8 in the text
        decode_content(pad(text[:-2] + b"\xff\xfe"))


def test_limits() -> None:
    with pytest.raises(LimitError):
        TextContent("x" * (limits.MAX_TEXT_BYTES + 1), bytes(32))
    with pytest.raises(DecodeError):
        TextContent("x", bytes(31))
    with pytest.raises(DecodeError):
        ControlContent("ä")
    with pytest.raises(LimitError):
        ControlContent("a", bytes(limits.MAX_CONTROL_DATA + 1))
    with pytest.raises(LimitError):
        decode_content(bytes(limits.MAX_PLAINTEXT_BYTES + 160))
