"""What the daily job reads and writes across studios (K3/K5 totals as time passes).

A `Studios` port with two implementations, chosen once at start by the database that
answers:

- `MongoStudios`: one indexed query per call (`tenant` on `profiles`, `as_of` on
  `periods`), filtered on the server.
- `FerretStudios`: FerretDB v1 on SQLite answers only a bare `{_id}` filter from an index;
  a `tenant` filter reads the whole collection, every studio's (1.1 s on 50,000
  documents, ../docs/architecture.md). So several studios are recounted in one pass over
  the profiles, filtered here: one pass per studio made a start with a few hundred
  studios keep the database busy for minutes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from plumbing.ids import new_id
from plumbing.mongo import Doc, backend, detect_backend
from plumbing.storage import Delta, Storage
from plumbing.storage.indexes import Index
from plumbing.studio import StudioSettings, studio_settings
from pymongo.asynchronous.database import AsyncDatabase

from crm.service_layer.ports import PERIODS, PROFILES
from crm.service_layer.totals import TOTALS

# What the queries below use: `tenant` on the profiles; `as_of` on the periods, sparse,
# since only the `totals` documents carry it.
INDEXES = (
    Index(PROFILES, (("tenant", 1),)),
    Index(PERIODS, (("as_of", 1),)),
)

# What the recount reads of a profile (bookings and sales can be long, and unused).
RECOUNT_PROJECTION = {"_outbox": 0, "_events": 0, "bookings": 0, "sales": 0}


class MongoStudios:
    """`crm.service_layer.totals.Studios` on MongoDB: server-side filters on indexes."""

    def __init__(self, db: AsyncDatabase[Doc], storage: Storage) -> None:
        self.db = db
        self.storage = storage

    async def prepare(self) -> None:
        for index in INDEXES:
            await self.db[index.collection].create_index(
                list(index.keys), name=index.name, sparse=index.collection == PERIODS
            )

    async def stale(self, today: str) -> list[str]:
        # Two ranges on the `as_of` index (`$ne` would read every entry of it); "never"
        # sorts after every date.
        found: list[str] = []
        for condition in ({"$lt": today}, {"$gt": today}):
            cursor = self.db[PERIODS].find({"as_of": condition}, {"tenant": 1})
            found += [str(doc["tenant"]) async for doc in cursor]
        return found

    async def studio(self, tenant: str) -> StudioSettings:
        return await studio_settings(self.db, tenant)

    def _query(self, tenants: Sequence[str]) -> dict[str, Any]:
        return {"tenant": {"$in": list(tenants)}}

    async def profiles(self, tenants: Sequence[str]) -> AsyncIterator[tuple[str, str, Doc]]:
        wanted = set(tenants)
        async for profile in self.db[PROFILES].find(self._query(tenants), RECOUNT_PROJECTION):
            tenant = str(profile.get("tenant"))
            if tenant in wanted:
                yield tenant, str(profile["_id"]).split(":", 1)[1], profile

    async def set_contributions(self, tenant: str, client_id: str, keys: list[str]) -> None:
        # Each run is an event of its own: its writes are applied once, like any other.
        profiles = self.storage.read_model(PROFILES, tenant)
        await profiles.apply_once(client_id, f"recount:{new_id()}", Delta(set={"contrib": keys}))

    async def rewrite_totals(self, tenant: str, counts: Mapping[str, int], as_of: str) -> None:
        periods = self.storage.read_model(PERIODS, tenant)
        rewritten = Delta(set={"c": dict(counts), "as_of": as_of})
        await periods.apply_once(TOTALS, f"recount:{new_id()}", rewritten)


class FerretStudios(MongoStudios):
    """On FerretDB: several studios' profiles in one pass, filtered here."""

    async def prepare(self) -> None:
        await self.db[PROFILES].create_index([("tenant", 1)], name="tenant_1")

    async def stale(self, today: str) -> list[str]:
        # Any filter but `{_id}` reads the whole collection here: one pass, not two.
        docs = self.db[PERIODS].find({"as_of": {"$exists": True, "$ne": today}}, {"tenant": 1})
        return [str(doc["tenant"]) async for doc in docs]

    def _query(self, tenants: Sequence[str]) -> dict[str, Any]:
        # One studio alone keeps its own filter; several share one scan (see above).
        return {"tenant": tenants[0]} if len(set(tenants)) == 1 else {}


async def studios_for(db: AsyncDatabase[Doc], storage: Storage) -> MongoStudios:
    """The implementation for the database that answers (`buildInfo`, asked once)."""
    await detect_backend(db.client)
    return FerretStudios(db, storage) if backend.id_only_pushdown else MongoStudios(db, storage)
