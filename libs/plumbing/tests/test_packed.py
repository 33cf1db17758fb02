"""Packed fields round-trip what the database would have given back as sub-documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from plumbing.packed import pack, unpack


def test_nested_values_round_trip() -> None:
    value = {
        "lots": [{"id": "l1", "points": 12, "at": datetime(2026, 12, 5, 9, 30, 1, tzinfo=UTC)}],
        "keys": ["earn:I-1", "earn:I-2"],
        "note": "café ✓",
        "none": None,
        "ok": True,
        "ratio": 0.5,
    }
    assert unpack(pack(value)) == value


def test_datetimes_keep_milliseconds_and_come_back_aware_in_utc() -> None:
    local = datetime(2026, 12, 5, 10, 30, 1, 123_456, tzinfo=timezone(timedelta(hours=1)))
    back = unpack(pack({"at": local}))["at"]
    assert back.tzinfo is UTC
    assert back == datetime(2026, 12, 5, 9, 30, 1, 123_000, tzinfo=UTC)
    # Naive times are taken as UTC, as the database driver does.
    naive = datetime(1969, 7, 20, 20, 17, 40, 999_999)
    assert unpack(pack([naive])) == [naive.replace(microsecond=999_000, tzinfo=UTC)]


def test_bytes_come_back_as_bytes_whether_text_or_not() -> None:
    text = '{"type":"points_earned","note":"ñ"}'.encode()
    binary = bytes(range(256))
    assert unpack(pack({"value": text, "raw": binary})) == {"value": text, "raw": binary}
    # Text stays readable in the stored string.
    assert "points_earned" in pack(text)


def test_what_cannot_be_packed_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot pack set"):
        pack({"s": {1, 2}})
