"""Documents written before the storage port keep loading: on MongoDB where they are,
on the local FerretDB adopted into chains; the studios with their program on and the
roster's bucket rows are listed and copied once at start."""

from __future__ import annotations

from datetime import UTC, datetime

from plumbing.mongo import Doc
from plumbing.storage.ferretdb import FerretStorage
from plumbing.storage.mongodb import MongoStorage
from plumbing.testing import scratch_database, unique_tenant
from ranks.adapters.bucket_roster import BucketRoster
from ranks.adapters.mongo_roster import MongoRoster, adopt_buckets
from ranks.adapters.programs import program_repository, program_studios, studios_with_program
from ranks.adapters.roster import RosterRow, Wanted
from ranks.adapters.tenant_storage import prepare
from ranks.domain.categories import Terminology

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def earlier_program(tenant: str, enabled: bool) -> Doc:
    return {
        "_id": f"{tenant}:program",
        "tenant": tenant,
        "version": 3,
        "enabled": enabled,
        "terminology": "RANKINGS",
        "categories": [
            {"id": "k", "name": "Karate", "ranks": [{"id": "w", "name": "White", "stripes": []}]}
        ],
        "removed": {},
    }


async def test_earlier_programs_load_on_both_implementations() -> None:
    for kind in ("mongodb", "ferretdb"):
        async with scratch_database("ranks_earlier") as db:
            tenant = unique_tenant()
            await db["programs"].insert_one(earlier_program(tenant, True))
            storage = MongoStorage(db) if kind == "mongodb" else FerretStorage(db)
            programs = program_repository(storage, db, tenant)
            loaded = await programs.load("program")
            assert loaded.state is not None, kind
            assert (loaded.state.enabled, loaded.state.terminology) == (True, Terminology.RANKINGS)
            assert [c.name for c in loaded.state.categories] == ["Karate"]
            # MongoDB goes on from the earlier version; the local database starts a chain.
            assert loaded.version == (3 if kind == "mongodb" else 1)
            saved = await programs.save(loaded, loaded.state)
            assert (await programs.load("program")).version == saved.version


async def test_studios_with_their_program_on_are_listed_once_at_start() -> None:
    async with scratch_database("ranks_earlier") as db:
        on, off = unique_tenant(), unique_tenant()
        await db["programs"].insert_many([earlier_program(on, True), earlier_program(off, False)])
        storage = FerretStorage(db)
        await prepare(storage, db)
        await db["programs"].insert_one(earlier_program(unique_tenant(), True))
        await prepare(storage, db)  # done already: nothing read again
        assert await studios_with_program(program_studios(storage)) == [on]


async def test_bucket_rows_are_copied_once_and_newer_rows_stay() -> None:
    async with scratch_database("ranks_earlier") as db:
        tenant = unique_tenant()
        buckets = BucketRoster(db, tenant)
        await buckets.put("k", RosterRow("c1", "w", T0, eligible=False, auto_promoted_at=None))
        await buckets.put("k", RosterRow("c2", "w", T0, eligible=False, auto_promoted_at=None))
        rows = MongoRoster(db, tenant)
        await rows.put("k", RosterRow("c2", "y", T0, eligible=True, auto_promoted_at=None))
        assert await adopt_buckets(db) == 1
        assert await adopt_buckets(db) == 0
        page = await rows.page("k", Wanted(("w", "y")), None, 10)
        assert [(r.client_id, r.rank_id) for r in page.rows] == [("c1", "w"), ("c2", "y")]
