"""Relay pages over a list in memory, forward and backward, by exact position."""

from __future__ import annotations

import pytest
from plumbing.errors import BadInput
from plumbing.paging import Page, page_of

# Names holding what broke cursors before: NUL, a separator, quotes, emoji, bidi controls.
NAMES = sorted(
    [
        "Ana",
        "Ana\x00",
        "Ana\x00b",
        'O"Brien',
        "O'Brien",
        "a|b",
        "\u202eevil",
        "\U0001f94b Kim",
        "Zoë",
        "",
        "\\",
        '["x"]',
    ]
)


def key(name: str) -> tuple[str, ...]:
    return (name,)


def names(page: Page[str]) -> list[str]:
    return [item for _, item in page.items]


def walk_forward(items: list[str], size: int) -> list[str]:
    seen: list[str] = []
    after: str | None = None
    while True:
        page = page_of(items, key, first=size, after=after)
        seen += names(page)
        if not page.page_info.has_next_page:
            return seen
        after = page.page_info.end_cursor


def walk_backward(items: list[str], size: int) -> list[str]:
    seen: list[str] = []
    before: str | None = None
    while True:
        page = page_of(items, key, first=20, after=None, last=size, before=before)
        seen = names(page) + seen
        if not page.page_info.has_previous_page:
            return seen
        before = page.page_info.start_cursor


@pytest.mark.parametrize("size", [1, 2, 5, 20])
def test_every_item_once_in_order_both_directions(size: int) -> None:
    assert walk_forward(NAMES, size) == NAMES
    assert walk_backward(NAMES, size) == NAMES


def test_backward_page_info_says_what_lies_on_either_side() -> None:
    last = page_of(NAMES, key, first=None, after=None, last=3)
    assert names(last) == NAMES[-3:]
    assert last.page_info.has_previous_page is True
    assert last.page_info.has_next_page is False
    middle = page_of(NAMES, key, first=None, after=None, last=2, before=last.page_info.start_cursor)
    assert names(middle) == NAMES[-5:-3]
    assert middle.page_info.has_next_page is True
    assert middle.page_info.end_cursor is not None
    again = page_of(NAMES, key, first=10, after=middle.page_info.end_cursor)
    assert names(again) == NAMES[-3:]


def test_a_cursor_whose_item_left_still_places_the_page_descending() -> None:
    newest_first = sorted(NAMES, reverse=True)
    page = page_of(newest_first, key, first=None, after=None, last=2, descending=True)
    assert names(page) == newest_first[-2:]
    gone = [n for n in newest_first if n != names(page)[0]]
    before = page_of(
        gone,
        key,
        first=None,
        after=None,
        last=2,
        before=page.page_info.start_cursor,
        descending=True,
    )
    assert names(before) == newest_first[-4:-2]


def test_between_two_cursors_last_wins_over_a_default_first() -> None:
    after = page_of(NAMES, key, first=2, after=None).page_info.end_cursor
    before = page_of(NAMES, key, first=None, after=None, last=2).page_info.start_cursor
    page = page_of(NAMES, key, first=20, after=after, last=3, before=before)
    assert names(page) == NAMES[7:10]
    assert (
        page_of(NAMES, key, first=20, after=None, last=2).items
        == page_of(NAMES, key, first=None, after=None, last=2).items
    )


def test_a_negative_or_huge_last_is_refused() -> None:
    with pytest.raises(BadInput, match="last"):
        page_of(NAMES, key, first=None, after=None, last=-1)
    with pytest.raises(BadInput, match="last"):
        page_of(NAMES, key, first=None, after=None, last=1000)
