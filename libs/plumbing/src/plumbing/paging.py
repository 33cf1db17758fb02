"""Relay pages over a list already in memory, in its order, both directions (`first`/
`after` and `last`/`before`), with cursors that are the exact position of an item
(`plumbing.gql.encode_position` of its sort key).

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
    last: int | None = None,
    before: str | None = None,
    descending: bool = False,
    default: int = 20,
) -> Page[T]:
    """A relay page of `items`, which are sorted by `key` (descending: newest first).

    Forward: the `first` items after `after`. Backward: the `last` items before `before`
    (both in the list's order). The items between `after` and `before`, then the first
    `first` of them or, when `last` is given, the last `last` (`first` has a default in
    the schema, so a caller asking for `last` would otherwise get the end of the first
    page, not of the list)."""
    arity = len(key(items[0])) if items else None

    def boundary(cursor: str | None, *, inclusive: bool) -> int | None:
        """The index of the first item past the cursor's position (at or past it when
        `inclusive`); None without a cursor."""
        if not cursor:
            return None
        position = decode_position(cursor, arity) if arity else None
        if position is None:
            return len(items)

        def past(item: T) -> bool:
            k = key(item)
            if inclusive and k == position:
                return True
            return k < position if descending else k > position

        return next((i for i, item in enumerate(items) if past(item)), len(items))

    start = boundary(after, inclusive=False) or 0
    end = boundary(before, inclusive=True)
    low, high = window(
        len(items), start, len(items) if end is None else end, first, last, default=default
    )
    edges = [(encode_position(*key(item)), item) for item in items[low:high]]
    info = page_info([c for c, _ in edges], low, high, len(items), after, last is not None)
    return Page(edges, info)


def window(
    length: int, start: int, end: int, first: int | None, last: int | None, *, default: int
) -> tuple[int, int]:
    """`(low, high)`: the page among `length` items, between index `start` (the first
    after `after`) and `end` (the first at or after `before`): the first `first`, or the
    last `last` when it is given (`first` has a default in the schema, so `last` wins)."""
    end = max(start, min(end, length))
    if last is None:
        return start, min(end, start + page_size(first, default=default))
    return max(start, end - page_size(last, default=default, name="last")), end


def page_info(
    cursors: Sequence[str], low: int, high: int, length: int, after: str | None, backward: bool
) -> PageInfo:
    """The page info of `items[low:high]`: items follow it when `high` is short of the
    end; items precede it when paged backward and `low` is past the start, or when paged
    forward after a cursor."""
    return PageInfo(
        has_next_page=high < length,
        end_cursor=cursors[-1] if cursors else None,
        has_previous_page=low > 0 if backward else bool(after),
        start_cursor=cursors[0] if cursors else None,
    )


def sortable(moment: datetime | None, *, missing: str = "9999") -> str:
    """A time as a cursor key part that sorts as the time does (fixed width, UTC)."""
    if moment is None:
        return missing
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")
