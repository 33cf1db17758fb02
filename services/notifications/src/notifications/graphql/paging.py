"""Paging through the newest client messages or console notifications, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

import strawberry
from plumbing.paging import Page, page_of, sortable

# The newest messages or notifications a connection pages through (a console pages a few
# screens; older ones stay stored).
WINDOW = 1000


class Dated(Protocol):
    """A client message or a console notification: an id and a moment."""

    @property
    def id(self) -> strawberry.ID: ...

    @property
    def at(self) -> datetime: ...


T = TypeVar("T", bound=Dated)


def newest_first(
    items: list[T],
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    default: int = 20,
) -> Page[T]:
    ordered = sorted(items, key=_newest_key, reverse=True)
    return page_of(
        ordered,
        _newest_key,
        first=first,
        after=after,
        last=last,
        before=before,
        descending=True,
        default=default,
    )


def _newest_key(item: Dated) -> tuple[str, str]:
    return (sortable(item.at), str(item.id))
