"""The part of MongoDB's query language the guards of updates use, evaluated on one
document in this process.

On FerretDB's SQLite backend only a filter of exactly `{_id}` is answered from an
index: a guard such as `{_id, version}` would read the whole collection. The document
is read by `_id` instead and the guard checked here (`plumbing.tenant_collection`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Unsupported(Exception):
    """A filter that uses more of the query language than `matches` knows."""


def path_values(doc: Any, path: str) -> list[Any]:
    """The values a dotted path reaches (arrays of documents fan out, as in MongoDB)."""
    current = [doc]
    for part in path.split("."):
        nxt: list[Any] = []
        for value in current:
            if isinstance(value, Mapping):
                if part in value:
                    nxt.append(value[part])
            elif isinstance(value, list):
                nxt.extend(v[part] for v in value if isinstance(v, Mapping) and part in v)
        current = nxt
    return current


def _equal(values: list[Any], expected: Any) -> bool:
    if not values:
        return expected is None
    for value in values:
        if value == expected or (isinstance(value, list) and expected in value):
            return True
    return False


def matches(doc: Mapping[str, Any], filter: Mapping[str, Any]) -> bool:
    """The part of MongoDB's query language our guards use, evaluated on one document.

    Raises `Unsupported` for anything else (the caller then lets the server decide)."""
    for key, condition in filter.items():
        if key == "$and":
            if not all(matches(doc, part) for part in condition):
                return False
            continue
        if key == "$or":
            if not any(matches(doc, part) for part in condition):
                return False
            continue
        if key.startswith("$"):
            raise Unsupported(key)
        values = path_values(doc, key)
        if not (isinstance(condition, Mapping) and any(k.startswith("$") for k in condition)):
            if not _equal(values, condition):
                return False
            continue
        for op, operand in condition.items():
            if op == "$ne":
                ok = not _equal(values, operand)
            elif op == "$exists":
                ok = bool(values) == bool(operand)
            elif op == "$in":
                ok = any(_equal(values, option) for option in operand)
            elif op == "$nin":
                ok = not any(_equal(values, option) for option in operand)
            elif op in ("$gt", "$gte", "$lt", "$lte"):
                ok = any(_compare(op, v, operand) for v in values)
            else:
                raise Unsupported(op)
            if not ok:
                return False
    return True


def _compare(op: str, value: Any, operand: Any) -> bool:
    try:
        if op == "$gt":
            return bool(value > operand)
        if op == "$gte":
            return bool(value >= operand)
        if op == "$lt":
            return bool(value < operand)
        return bool(value <= operand)
    except TypeError:
        return False  # MongoDB compares only values of the same type
