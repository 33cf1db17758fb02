"""Which index serves a query, by key-prefix reasoning, and a recorder of the queries a
piece of code sends.

FerretDB's `explain` is not MongoDB's, so whether a MongoDB query is served by an index
is decided here the way MongoDB's planner would for these simple shapes:

- a filter with an equality on `_id` reads at most one document (the `_id` index);
- otherwise an index serves a filter when its leading keys are exactly the filter's
  equality fields (`$in` counts as equality), in any order, followed by at most one field
  with a range condition, and the filter has no other field (nothing left to check on
  every document the index returns);
- a sort is served when its fields (equality fields aside) are the index's next keys.

`QueryLog` is a pymongo command listener: give it to a client (`event_listeners=`), run
the code, and `uses()` lists every filter sent, with the collection it went to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import monitoring

from plumbing.storage.port import RANGE_OPERATORS

EQUALITY_OPERATORS = frozenset({"$eq", "$in"})


@dataclass(frozen=True)
class Index:
    collection: str
    keys: tuple[tuple[str, int], ...]
    name: str = ""
    unique: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(
                self, "name", "_".join(f"{key}_{direction}" for key, direction in self.keys)
            )


def id_index(collection: str) -> Index:
    """The index every collection has."""
    return Index(collection, (("_id", 1),), "_id_", unique=True)


@dataclass(frozen=True)
class Shape:
    """A filter reduced to what the planner looks at."""

    equality: frozenset[str]
    ranges: frozenset[str]
    other: frozenset[str]  # fields whose condition no index narrows ($ne, $exists…)

    @classmethod
    def of(cls, filter: Mapping[str, Any]) -> Shape:
        equality: set[str] = set()
        ranges: set[str] = set()
        other: set[str] = set()
        for name, condition in filter.items():
            if name.startswith("$"):
                other.add(name)  # $and, $or, $expr: not planned here
            elif not isinstance(condition, Mapping) or not any(
                op.startswith("$") for op in condition
            ):
                equality.add(name)
            elif set(condition) <= EQUALITY_OPERATORS:
                equality.add(name)
            elif set(condition) <= RANGE_OPERATORS:
                ranges.add(name)
            else:
                other.add(name)
        return cls(frozenset(equality), frozenset(ranges), frozenset(other))


def serves(index: Index, filter: Mapping[str, Any], sort: Sequence[str] = ()) -> bool:
    shape = Shape.of(filter)
    names = [key for key, _ in index.keys]
    if index.unique and set(names) <= shape.equality:
        return True  # at most one document; the rest is checked on it
    if not shape.equality and not shape.ranges:
        return False  # a scan
    leading = names[: len(shape.equality)]
    if set(leading) != shape.equality:
        return False
    if len(shape.ranges) > 1 or shape.other:
        return False
    following = names[len(shape.equality) :]
    if shape.ranges and following[:1] != list(shape.ranges):
        return False
    # A sort the index gives for free: after the equality fields, the index's next keys.
    ordered = [key for key in sort if key not in shape.equality]
    return following[: len(ordered)] == ordered


def serving_index(
    collection: str, filter: Mapping[str, Any], declared: Sequence[Index], sort: Sequence[str] = ()
) -> Index | None:
    """The first index of `collection` (its `_id` index first) that serves `filter`
    (and gives `sort` without sorting in memory)."""
    for index in [id_index(collection), *declared]:
        if index.collection == collection and serves(index, filter, sort):
            return index
    return None


@dataclass(frozen=True)
class QueryUse:
    command: str  # find, update, delete, findAndModify, count, aggregate
    collection: str
    filter: Mapping[str, Any]
    sort: tuple[str, ...] = ()


FILTERED = frozenset({"find", "count", "findAndModify", "update", "delete", "aggregate"})


def _filters(name: str, command: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The filters a command carries (several for a batched update or delete)."""
    if name == "find":
        return [command.get("filter") or {}]
    if name in ("count", "findAndModify"):
        return [command.get("query") or {}]
    if name == "update":
        return [u.get("q") or {} for u in command.get("updates") or []]
    if name == "delete":
        return [d.get("q") or {} for d in command.get("deletes") or []]
    if name == "aggregate":
        matches = [s["$match"] for s in command.get("pipeline") or [] if "$match" in s]
        return matches[:1] or [{}]
    return []


def _sort(name: str, command: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple((command.get("sort") or {}).keys()) if name == "find" else ()


@dataclass
class QueryLog(monitoring.CommandListener):
    """Records the filters of the commands sent to one database."""

    database: str
    recorded: list[QueryUse] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)  # (command, collection)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name != self.database:
            return
        name = event.command_name
        collection = str(event.command.get(name, ""))
        for filter in _filters(name, event.command):
            self.recorded.append(
                QueryUse(name, collection, dict(filter), _sort(name, event.command))
            )
        if name in ("insert", "update", "delete", "findAndModify"):
            self.writes.append((name, collection))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None

    def uses(self) -> list[QueryUse]:
        return list(self.recorded)

    def clear(self) -> None:
        self.recorded.clear()
        self.writes.clear()
