"""The MongoDB implementation's own behaviour (on the local FerretDB, one writer at a
time), the move of chains into its layout, and the choice of implementation at start."""

from __future__ import annotations

import pytest
from plumbing.mongo import backend
from plumbing.storage import Conflict, open_storage
from plumbing.storage.ferretdb import FerretStorage
from plumbing.storage.mongodb import MongoStorage, fold_chains
from plumbing.testing import scratch_database, unique_tenant

from .model import TALLIES, Tally


async def test_a_document_written_before_it_had_a_version_is_taken_up_at_0() -> None:
    async with scratch_database("storage_mongo") as db:
        tenant = unique_tenant()
        # As ranks' members are created today: an upsert with the state and no version.
        await db["tallies"].insert_one(
            {"_id": f"{tenant}:a", "tenant": tenant, "count": 3, "notes": [], "at": None}
        )
        tallies = MongoStorage(db).repository(TALLIES, tenant)
        loaded = await tallies.load("a")
        assert (loaded.version, loaded.state) == (0, Tally(3))
        saved = await tallies.save(loaded, Tally(4))
        assert (saved.version, (await tallies.load("a")).state) == (1, Tally(4))
        with pytest.raises(Conflict):
            await tallies.save(loaded, Tally(5))


async def test_the_implementation_is_chosen_from_the_database_found() -> None:
    async with scratch_database("storage_open") as db:
        storage = await open_storage(db, [TALLIES], ["views"])
        assert storage.kind == ("ferretdb" if backend.id_only_pushdown else "mongodb")


async def test_chains_fold_into_one_document_each() -> None:
    async with scratch_database("storage_fold") as db:
        tenant = unique_tenant()
        chains = FerretStorage(db).repository(TALLIES, tenant)
        a = await chains.save(await chains.load("a"), Tally(1))
        await chains.save(a, Tally(2, ["newest"]))
        await chains.save(await chains.load("b"), Tally(7))
        await chains.save(await chains.save(await chains.load("gone"), Tally(3)), None)
        tallies = MongoStorage(db).repository(TALLIES, tenant)
        written = await tallies.save(await tallies.load("b"), Tally(70))  # already here
        assert await fold_chains(db, TALLIES) == 1
        assert await fold_chains(db, TALLIES) == 0  # twice does no harm
        loaded = await tallies.load("a")
        assert (loaded.version, loaded.state) == (1, Tally(2, ["newest"]))
        assert (await tallies.load("b")).state == written.state == Tally(70)
        assert (await tallies.load("gone")).version == 0
        assert (await tallies.save(loaded, Tally(3))).version == 2
