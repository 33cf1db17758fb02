"""Every query the implementations send, recorded from the driver (pymongo's command
monitoring) while they do all they can do:

- the MongoDB implementation: each filter is served by the `_id` index or by an index it
  declares (`mongodb.indexes`), by key-prefix reasoning (`plumbing.storage.indexes`), and
  each declared index serves some query;
- the FerretDB implementation: every read and write of loads, saves and read models is a
  filter of exactly `{_id: <string>}`, the only one FerretDB's SQLite backend pushes
  down; only `find` (jobs) scans, and only the small heads collection.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from plumbing.mongo import Doc
from plumbing.outbox import HINTS
from plumbing.storage import Conflict, Delta, Storage
from plumbing.storage.ferretdb import FerretStorage
from plumbing.storage.indexes import QueryLog, QueryUse, serving_index
from plumbing.storage.mongodb import MongoStorage, indexes
from plumbing.testing import recorded_database, unique_tenant
from pymongo.asynchronous.database import AsyncDatabase

from .model import TALLIES, Tally, counted


@pytest.fixture
async def recorded() -> AsyncIterator[tuple[AsyncDatabase[Doc], QueryLog]]:
    async with recorded_database("storage_queries") as recording:
        yield recording


async def everything(storage: Storage) -> None:
    """Each operation of the port at least once, the conflict paths included."""
    tenant = unique_tenant()
    tallies = storage.repository(TALLIES, tenant)
    fresh = await tallies.load("a")
    first = await tallies.save(fresh, Tally(1), [counted(tenant, "a", 1)])
    second = await tallies.save(first, Tally(2), [counted(tenant, "a", 2)])
    for stale in (fresh, first):  # an insert and an update that lose
        with contextlib.suppress(Conflict):
            await tallies.save(stale, Tally(9))
    await tallies.save(second, None)
    await tallies.load("a")
    await tallies.find()
    await tallies.find({"count": {"$gte": 1}}, limit=10)
    await tallies.find({"count": 2})
    await tallies.find({"count": {"$in": [1, 2]}})
    many = await tallies.save_many(
        [(await tallies.load("m"), Tally(1), [counted(tenant, "m", 1)]), (fresh, Tally(5), [])]
    )
    await tallies.save_many([(many.saved["m"], Tally(2), [counted(tenant, "m", 2)])])
    await storage.across_tenants(TALLIES, {"count": {"$lte": 2}})
    views = storage.read_model("views", tenant)
    await views.apply_once("c1", "e1", Delta(inc={"n": 1}, append={"recent": (["x"], 2)}))
    await views.apply_once("c1", "e1", Delta(inc={"n": 1}))
    await views.get("c1")
    await views.get_many(["c1", "c2"])
    await views.apply_run("c1", ["e2", "e3"], Delta(inc={"n": 2}))
    await views.claim("k1", "e1", {"a": 1})
    await views.claim("k1", "e2", {"a": 2})
    await views.claim_new({"k1": ("e3", {}), "k2": ("e3", {})})
    await views.delete("k2")


def table(uses: list[QueryUse], served: list[str]) -> str:
    lines = [f"{'command':14} {'collection':16} {'filter':48} index"]
    for use, index in zip(uses, served, strict=True):
        shape = {k: (sorted(v) if isinstance(v, dict) else "=") for k, v in use.filter.items()}
        sort = f" sort {list(use.sort)}" if use.sort else ""
        lines.append(f"{use.command:14} {use.collection:16} {shape!s:48} {index}{sort}")
    return "\n".join(dict.fromkeys(lines))


async def test_every_query_of_the_mongodb_implementation_has_its_index(
    recorded: tuple[AsyncDatabase[Doc], QueryLog],
) -> None:
    db, log = recorded
    storage = MongoStorage(db)
    await storage.prepare([TALLIES], ["views"])
    declared = indexes([TALLIES], ["views"])
    log.clear()
    await everything(storage)

    ours = [u for u in log.uses() if u.collection in ("tallies", "views", HINTS)]
    assert {u.command for u in ours} >= {"find", "update"}
    served = [serving_index(u.collection, u.filter, declared, u.sort) for u in ours]
    print("\n" + table(ours, [i.name if i else "NONE" for i in served]))
    unserved = [u for u, index in zip(ours, served, strict=True) if index is None]
    assert unserved == []
    unused = {i.name for i in declared} - {i.name for i in served if i is not None}
    assert unused == set()


async def test_the_ferretdb_implementation_reads_and_writes_by_id_alone(
    recorded: tuple[AsyncDatabase[Doc], QueryLog],
) -> None:
    db, log = recorded
    storage = FerretStorage(db)
    tenant = unique_tenant()
    tallies = storage.repository(TALLIES, tenant)
    views = storage.read_model("views", tenant)
    log.clear()
    await everything(storage)
    scans = [u for u in log.uses() if set(u.filter) != {"_id"}]
    # The relay's hints aside (`Outbox.written` bumps one by `_id`), only `find` and
    # the jobs' `across_tenants` scan, and only the heads.
    assert {(u.collection, tuple(sorted(u.filter))) for u in scans} == {
        ("tallies_heads", ("count", "tenant")),
        ("tallies_heads", ("tenant",)),
        ("tallies_heads", ("count",)),
    }
    log.clear()
    loaded = await tallies.load("b")
    await tallies.save(loaded, Tally(1), [counted(tenant, "b", 1)])
    await views.apply_once("c1", "e2", Delta(inc={"n": 1}))
    await views.get_many(["c1", "c2"])
    assert log.uses() and all(
        set(u.filter) == {"_id"} and isinstance(u.filter["_id"], str) for u in log.uses()
    )
