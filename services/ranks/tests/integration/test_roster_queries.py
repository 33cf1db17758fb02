"""Every query ranks sends on MongoDB besides the storage port's own (the roster, a
report page's members), recorded from the driver, each served by a declared index
(`plumbing.storage.indexes`), every declared index used."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from plumbing.mongo import Doc
from plumbing.storage.indexes import Index, QueryLog, serving_index
from plumbing.storage.mongodb import MongoStorage
from plumbing.testing import recorded_database, unique_tenant
from pymongo.asynchronous.database import AsyncDatabase
from ranks.adapters.members import MEMBERS, MongoMembers
from ranks.adapters.mongo_roster import ROSTER_INDEXES, MongoRoster, prepare_roster
from ranks.adapters.roster import RosterRow, Waiting, Wanted
from ranks.domain.member import Member
from ranks.domain.model import Holding

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
async def recorded() -> AsyncIterator[tuple[AsyncDatabase[Doc], QueryLog]]:
    async with recorded_database("ranks_queries") as recording:
        yield recording


async def test_every_roster_and_report_query_has_its_index(
    recorded: tuple[AsyncDatabase[Doc], QueryLog],
) -> None:
    db, log = recorded
    tenant = unique_tenant()
    await prepare_roster(db)
    members = MongoStorage(db).repository(MEMBERS, tenant)
    for client_id in ("c1", "c2"):
        member = Member(client_id, {"k": Holding(rank_id="w", since=T0)})
        await members.save(await members.load(client_id), member)
    log.clear()

    roster = MongoRoster(db, tenant)
    await roster.put("k", RosterRow("c1", "w", T0, eligible=True, auto_promoted_at=T0))
    await roster.put("k", RosterRow("c2", "w", T0, eligible=False, auto_promoted_at=None))
    for wanted in (
        Wanted(("w", "y")),
        Wanted(("w",)),
        Wanted(("w", "y"), eligible_only=True),
        Wanted(("w",), auto_promoted_since=T0 - timedelta(days=1)),
    ):
        await roster.page("k", wanted, None, 1)
        await roster.page("k", wanted, "c1", 1)
        await roster.page("k", wanted, None, 1, before="c2", from_end=True)
    await roster.waiting("k", [Waiting("w", 0, T0 + timedelta(days=1))])
    await roster.held_ranks("k", ["w", "y"])
    await roster.most_stripes("k", "w")
    await roster.forget("c2", ["k", "j"])
    shown = await MongoMembers(db, tenant).by_ids(["c1", "c2", "c3"])
    assert sorted(shown) == ["c1", "c2"]

    declared: list[Index] = list(ROSTER_INDEXES)
    uses = [u for u in log.uses() if u.collection in ("roster_rows", "members")]
    served = [serving_index(u.collection, u.filter, declared, u.sort) for u in uses]
    shapes = {
        (u.command, u.collection, tuple(sorted(u.filter)), u.sort, i.name if i else "NONE")
        for u, i in zip(uses, served, strict=True)
    }
    print("\n" + "\n".join(map(str, sorted(shapes))))
    assert [u for u, index in zip(uses, served, strict=True) if index is None] == []
    assert {i.name for i in declared} <= {i.name for i in served if i is not None}
    assert {u.command for u in uses} >= {"find", "update", "delete", "aggregate"}
