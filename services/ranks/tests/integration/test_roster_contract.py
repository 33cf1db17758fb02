"""The roster contract, once per implementation: `memory`, `buckets` (the local
FerretDB's layout) and `mongodb` (indexed queries; here on the local FerretDB, small
data, for its semantics: docs/storage.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from plumbing.testing import scratch_database, unique_tenant
from ranks.adapters.bucket_roster import BucketRoster
from ranks.adapters.mongo_roster import MongoRoster, prepare_roster
from ranks.adapters.roster import MemoryRoster, Roster, RosterRow, Waiting, Wanted

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
RANKS = ("w", "y", "o")


@pytest.fixture(params=["memory", "buckets", "mongodb"])
async def roster(request: pytest.FixtureRequest) -> AsyncIterator[Roster]:
    if request.param == "memory":
        yield MemoryRoster()
        return
    async with scratch_database("roster") as db:
        if request.param == "buckets":
            yield BucketRoster(db, unique_tenant())
        else:
            await prepare_roster(db)
            yield MongoRoster(db, unique_tenant())


def row(client_id: str, rank_id: str = "w", **changes: object) -> RosterRow:
    base = RosterRow(client_id=client_id, rank_id=rank_id, since=T0, eligible=False,
                     auto_promoted_at=None)  # fmt: skip
    return RosterRow(**{**base.__dict__, **changes})  # type: ignore[arg-type]


async def filled(roster: Roster) -> None:
    await roster.put("k", row("c1"))
    await roster.put("k", row("c2", "y", eligible=True))
    await roster.put("k", row("c3", "y", auto_promoted_at=T0 + timedelta(days=3)))
    await roster.put("k", row("c4", "o", stripes=2, auto_promoted_at=T0 + timedelta(days=5)))
    await roster.put("k", row("c5", "w", stripe_eligible=True))
    await roster.put("j", row("c1", "o"))  # another category


def ids(rows: list[RosterRow]) -> list[str]:
    return [r.client_id for r in rows]


async def test_pages_in_client_order_with_counts(roster: Roster) -> None:
    await filled(roster)
    every = await roster.page("k", Wanted(RANKS), None, 2)
    assert (ids(every.rows), every.total, every.has_next) == (["c1", "c2"], 5, True)
    last = await roster.page("k", Wanted(RANKS), "c4", 2)
    assert (ids(last.rows), last.total, last.has_next) == (["c5"], 5, False)
    assert (await roster.page("k", Wanted(("y",)), None, 10)).total == 2
    assert (await roster.page("k", Wanted(("w", "y")), "c1", 10)).total == 4
    assert (await roster.page("k", Wanted(()), None, 10)).total == 0


async def test_pages_backward_from_the_end_or_before_a_client(roster: Roster) -> None:
    await filled(roster)
    every = Wanted(RANKS)
    tail = await roster.page("k", every, None, 2, from_end=True)
    assert (ids(tail.rows), tail.total, tail.has_previous, tail.has_next) == (
        ["c4", "c5"],
        5,
        True,
        False,
    )
    middle = await roster.page("k", every, None, 2, before="c4", from_end=True)
    assert (ids(middle.rows), middle.has_previous, middle.has_next) == (["c2", "c3"], True, True)
    head = await roster.page("k", every, None, 2, before="c2", from_end=True)
    assert (ids(head.rows), head.has_previous) == (["c1"], False)
    between = await roster.page("k", every, "c1", 10, before="c5", from_end=True)
    assert ids(between.rows) == ["c2", "c3", "c4"]
    since = Wanted(RANKS, auto_promoted_since=T0 + timedelta(days=3))
    promoted = await roster.page("k", since, None, 1, from_end=True)
    assert (ids(promoted.rows), promoted.has_previous) == (["c4"], True)


async def test_eligible_and_promoted_since(roster: Roster) -> None:
    await filled(roster)
    eligible = await roster.page("k", Wanted(RANKS, eligible_only=True), None, 10)
    assert (ids(eligible.rows), eligible.total) == (["c2"], 1)
    since = Wanted(RANKS, auto_promoted_since=T0 + timedelta(days=3))
    promoted = await roster.page("k", since, None, 1)
    assert (ids(promoted.rows), promoted.total, promoted.has_next) == (["c3"], 2, True)
    assert ids((await roster.page("k", since, "c3", 1)).rows) == ["c4"]
    later = Wanted(("y",), auto_promoted_since=T0 + timedelta(days=4))
    assert (await roster.page("k", later, None, 10)).total == 0


async def test_a_row_is_replaced_and_forgotten(roster: Roster) -> None:
    await filled(roster)
    await roster.put("k", row("c1", "y", eligible=True))
    eligible = await roster.page("k", Wanted(RANKS, eligible_only=True), None, 10)
    assert ids(eligible.rows) == ["c1", "c2"]
    await roster.forget("c1", ["k", "j"])
    assert ids((await roster.page("k", Wanted(RANKS), None, 10)).rows) == ["c2", "c3", "c4", "c5"]
    assert (await roster.page("j", Wanted(RANKS), None, 10)).total == 0
    page = (await roster.page("k", Wanted(RANKS), "c1", 1)).rows[0]
    assert (page.since, page.auto_promoted_at) == (T0, None)  # times come back aware


async def test_waiting_steps_leave_out_what_was_announced(roster: Roster) -> None:
    await filled(roster)
    await roster.put("k", row("c6", "w", step_since=T0 + timedelta(days=2)))
    steps = [Waiting("w", 0, T0 + timedelta(days=1)), Waiting("o", 2, T0 + timedelta(hours=1))]
    # c5 announced a stripe; c6's step began later; c2, c3 are at other steps.
    assert sorted(ids(await roster.waiting("k", steps))) == ["c1", "c4"]
    assert await roster.waiting("k", [Waiting("w", 0, T0)]) == []


async def test_ranks_and_stripes_held(roster: Roster) -> None:
    await filled(roster)
    assert await roster.held_ranks("k", ["w", "o", "x"]) == {"w", "o"}
    assert await roster.held_ranks("j", ["w"]) == set()
    assert await roster.most_stripes("k", "o") == 2
    assert await roster.most_stripes("k", "w") == 0
