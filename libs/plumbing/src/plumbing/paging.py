"""Relay pages over a list already in memory, in its order, with cursors that are the
exact position of an item (`plumbing.gql.encode_position` of its sort key).

A cursor whose item has left the list since (a notification read, a task done) still
places the next page: the page starts at the first item after the cursor's key in the
list's order, so no item is shown twice and none is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from plumbing.clock import as_utc
from plumbing.gql import PageInfo, decode_position, encode_position, page_size

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[tuple[str, T]]  # (cursor, item), in the list's order
    page_info: PageInfo


def page_of(
    items: Sequence[T],
    key: Callable[[T], tuple[str, ...]],
    *,
    first: int | None,
    after: str | None,
    descending: bool = False,
    default: int = 20,
) -> Page[T]:
    """The page of `first` items after `after` in `items`, which are sorted by `key`
    (descending: newest first)."""
    size = page_size(first, default=default)
    start = 0
    if after:
        arity = len(key(items[0])) if items else None
        position = decode_position(after, arity) if arity else None
        if position is not None:
            start = next(
                (
                    i
                    for i, item in enumerate(items)
                    if (key(item) < position if descending else key(item) > position)
                ),
                len(items),
            )
    chosen = list(items[start : start + size])
    edges = [(encode_position(*key(item)), item) for item in chosen]
    info = PageInfo.of(
        [cursor for cursor, _ in edges], has_next=start + size < len(items), after=after
    )
    return Page(edges, info)


def sortable(moment: datetime | None, *, missing: str = "9999") -> str:
    """A time as a cursor key part that sorts as the time does (fixed width, UTC)."""
    if moment is None:
        return missing
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")
