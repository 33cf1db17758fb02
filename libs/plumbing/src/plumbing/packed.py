"""Packed fields: the bulky parts of a document that no query looks into, kept as ONE
JSON string instead of sub-documents.

FerretDB v1 on SQLite stores a document as JSON plus a schema naming the type of every
field at every depth, and its cost per write and per read follows the number of fields,
not the bytes. Measured on the development machine, 300 loyalty account states of eight
lots and eight ledger entries each: `insert_many` 171 ms as sub-documents, 46 ms packed;
reading them back by `_id`, 325 ms and 126 ms. MongoDB reads and writes a string as
cheaply as anything else.

Only what is read and written whole belongs in a packed field: nothing can filter,
project or update inside it. Datetimes round-trip at the database's precision
(milliseconds, aware, UTC) and bytes as bytes, so an unpacked value is what the same
value stored as sub-documents would read back as.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def pack(value: Any) -> str:
    """`value` (dicts, lists, strings, numbers, booleans, None, datetimes, bytes) as text."""
    return json.dumps(value, default=_encode, separators=(",", ":"), ensure_ascii=False)


def unpack(text: str) -> Any:
    return json.loads(text, object_hook=_decode)


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return {"$d": (aware - _EPOCH) // _MS}
    if isinstance(value, bytes):
        try:
            return {"$t": value.decode("utf-8")}
        except UnicodeDecodeError:
            return {"$b": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"cannot pack {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> object:
    # Stored documents never have `$`-prefixed keys, so these tags cannot be data.
    if len(obj) == 1:
        if "$d" in obj:
            return _EPOCH + obj["$d"] * _MS
        if "$t" in obj:
            return str(obj["$t"]).encode("utf-8")
        if "$b" in obj:
            return base64.b64decode(obj["$b"])
    return obj
