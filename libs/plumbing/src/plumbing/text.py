"""Text a caller sends: no control characters, no bidi overrides (standard library only,
so domains may use it).

A name holding U+202E (RIGHT-TO-LEFT OVERRIDE) shows reversed on a console, a NUL or an
escape character breaks exports and terminals. Every string argument of every operation
is checked before any resolver runs (`plumbing.text_guard.TextGuard`); what enters by
other doors (a CSV import's rows) is checked by its own validation with `text_problem`.
A refusal is `BAD_TEXT` with the field's path.

Allowed: tab, line feed and carriage return (notes and bodies have lines). Refused: the
other C0 controls, DEL, the C1 controls, the bidi embeddings and overrides (U+202A-U+202E)
and isolates (U+2066-U+2069).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

BAD_TEXT = "BAD_TEXT"
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def text_problem(value: str) -> str | None:
    """Why `value` is refused, or None."""
    found = _REFUSED.search(value)
    if found is None:
        return None
    return f"holds the character U+{ord(found[0]):04X}, which text may not contain"


def bad_text(value: Any, path: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    """The first refused string in a value (strings, lists, input objects) and why."""
    if isinstance(value, str):
        problem = text_problem(value)
        return (path, problem) if problem else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = bad_text(item, (*path, str(key)))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = bad_text(item, (*path, str(index)))
            if found:
                return found
    return None
