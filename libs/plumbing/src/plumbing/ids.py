"""Identifiers that sort by creation time, so `_id` order is also creation order.

Cursor pagination and FerretDB's SQLite backend (which only pushes `_id` filters
down) both profit from ids whose natural order is meaningful.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime


def new_id() -> str:
    """A 26-character, time-ordered, random-suffixed id (UUIDv7 layout, hex, no dashes)."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80 | (0x7 << 76) | (rand & ((1 << 76) - 1))
    return uuid.UUID(int=value).hex


def new_event_id() -> str:
    return str(uuid.UUID(hex=new_id()))


def minted_at(identifier: str) -> datetime | None:
    """When `new_id` made this id; None for an id of another shape."""
    try:
        value = uuid.UUID(hex=identifier)
    except ValueError:
        return None
    if (value.int >> 76) & 0xF != 7:  # the layout's version nibble (no variant bits set)
        return None
    return datetime.fromtimestamp((value.int >> 80) / 1000, UTC)
