"""Messages that are JSON of a sort but no event: refused as invalid envelopes (parked
with INVALID_ENVELOPE), never an exception that would stop a consumer."""

from __future__ import annotations

import json

import pytest
from plumbing.envelope import Envelope, InvalidEnvelope

EVENT = {
    "specversion": "1.0",
    "id": "e1",
    "type": "ingest.visit_recorded.v1",
    "source": "p",
    "time": "2026-01-01T10:00:00Z",
    "tenant": "t1",
    "data": {"client_id": "c1"},
}


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
        (json.dumps({**EVENT, "tenant": "\ud800"}).encode(), "lone surrogate"),
        (json.dumps({**EVENT, "data": {"note": "a\udfffb"}}).encode(), "lone surrogate"),
        (json.dumps(EVENT).encode("utf-16"), "not UTF-8 JSON"),
        (b"\xff\xfe" + b"\x00" * 10, "not UTF-8 JSON"),
    ],
    ids=["nested", "surrogate-tenant", "surrogate-data", "utf-16", "binary"],
)
def test_what_no_consumer_can_use_is_an_invalid_envelope(value: bytes, why: str) -> None:
    with pytest.raises(InvalidEnvelope, match=why):
        Envelope.from_bytes(value)


def test_escaped_text_that_is_unicode_is_an_event() -> None:
    for text in ("😀", "\\ud800 written out", "ñ"):
        envelope = Envelope.from_bytes(json.dumps({**EVENT, "data": {"note": text}}).encode())
        assert envelope.data["note"] == text
