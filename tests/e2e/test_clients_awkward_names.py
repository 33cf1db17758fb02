"""Paging a client list whose names hold every awkward character visits each client once,
forward and backward, with opaque cursors; text that can spoof a screen (control characters, bidi overrides) is
refused where it enters."""

from __future__ import annotations

from typing import Any

import pytest
from plumbing.testing import Graph

from ..journeys import new_client

NAMES = [
    ("Ana", "Null"),
    ("O'Brien", 'Say "Hi"'),
    ("Zoë 🥋", "Emoji"),
    ("Back", "Slash\\0"),
    ("Pipe", "a|b"),
    ("Twin", "Same"),
    ("Twin", "Same"),
    ("مريم", "العربية"),
    ("Mark\u200f", "Rtl"),  # a right-to-left mark is ordinary text; an override is not
    ("Ünï", "Çödé"),
    ("Line", "Tab\tIn"),
]
PAGE = """query($n: Int, $after: String) { clients(first: $n, after: $after) {
  totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { id } } } }"""
BACK = """query($n: Int, $before: String) { clients(last: $n, before: $before) {
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { id } } } }"""
CREATE = """mutation($i: ClientInput!) { createClient(input: $i) {
  client { id } userErrors { field code } } }"""


async def test_paging_awkward_names_visits_each_client_once(owner: Graph) -> None:
    made = {await new_client(owner, first, last) for first, last in NAMES}
    assert len(made) == len(NAMES)
    for size in (1, 2, 3):
        seen: list[str] = []
        after: str | None = None
        while True:
            page = (await owner(PAGE, {"n": size, "after": after}))["clients"]
            edges = page["edges"]
            info = page["pageInfo"]
            assert info["hasPreviousPage"] is (after is not None)
            if edges:
                assert (info["startCursor"], info["endCursor"]) == (
                    edges[0]["cursor"],
                    edges[-1]["cursor"],
                )
            seen += [e["node"]["id"] for e in edges]
            if not info["hasNextPage"]:
                break
            after = info["endCursor"]
        assert len(seen) == len(set(seen)) == len(NAMES), size
        assert set(seen) == made
    # Backward from the end with `last`/`before`: the same clients in the same order.
    forward = [e["node"]["id"] for e in (await owner(PAGE, {"n": 50}))["clients"]["edges"]]
    for size in (1, 2, 3):
        back: list[str] = []
        before: str | None = None
        while True:
            page = (await owner(BACK, {"n": size, "before": before}))["clients"]
            info = page["pageInfo"]
            assert info["hasNextPage"] is (before is not None)
            back = [e["node"]["id"] for e in page["edges"]] + back
            if not info["hasPreviousPage"]:
                break
            before = info["startCursor"]
        assert back == forward, size
    # Cursors are opaque: no name shows through them.
    cursors = [e["cursor"] for e in (await owner(PAGE, {"n": 50}))["clients"]["edges"]]
    assert not any(first in c or last in c for c in cursors for first, last in NAMES)


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\u202e", "\u2066", "\x7f"])
async def test_names_that_could_spoof_a_screen_are_refused(owner: Graph, bad: str) -> None:
    body: dict[str, Any] = await owner.raw(
        CREATE, {"i": {"firstName": "Eve", "lastName": f"Evil{bad}gnp.exe"}}
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_TEXT", error
    assert error["extensions"]["field"] == ["input", "lastName"], error
    assert "Evil" not in error["message"]  # the refusal names the character, not the text
