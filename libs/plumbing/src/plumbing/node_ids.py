"""Global ids of the graph's objects that had no id of their own (docs/contract.md).

A global id is `base64url("<Type>:<part>[:<part>…]")` without padding: the object's type
and the local key that already identified it (a client id, a client and a category, the
studio). Each part is percent-encoded, so no character of a key can break the format.
The ids are opaque to callers: stable (the same object always gets the same id), URL-safe,
and never the same for two objects of any type. Objects that already had an `id` (a
client, a rank, a ledger entry…) keep it.

A typed global id can never be mistaken for an existing id: ids made by `plumbing.ids`
are lower-case hex, and the first character of a global id encodes an upper-case letter
(`Q`..`W`), never a hex digit.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote, unquote

_TYPE = re.compile(r"[A-Z][A-Za-z]{0,63}")


def global_id(type_name: str, *parts: str) -> str:
    """The global id of the object of `type_name` identified by `parts`."""
    if not _TYPE.fullmatch(type_name) or not parts:
        raise ValueError(f"not a global id's type and key: {type_name!r} {parts!r}")
    text = ":".join([type_name, *(quote(p, safe="") for p in parts)])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def parse_global_id(value: str) -> tuple[str, tuple[str, ...]] | None:
    """`(type, parts)` of a global id; None for anything else (an existing id, garbage)."""
    if not value or len(value) > 1024:
        return None
    try:
        padded = value + "=" * (-len(value) % 4)
        text = base64.b64decode(padded.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, rest = text.partition(":")
    if not sep or not _TYPE.fullmatch(type_name):
        return None
    parts = tuple(unquote(p) for p in rest.split(":"))
    if global_id(type_name, *parts) != value:  # one spelling per id
        return None
    return type_name, parts


def key_of(value: str, type_name: str, arity: int) -> tuple[str, ...] | None:
    """The parts of a global id of `type_name` with `arity` parts; None otherwise."""
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] != type_name or len(parsed[1]) != arity:
        return None
    return parsed[1]
