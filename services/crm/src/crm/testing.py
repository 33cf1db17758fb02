"""crm's storage in memory for use-case tests (`MemoryStorage` behind the read models,
timelines and recorded facts in dictionaries), and helpers for tests that look into
the live stack's database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from types import SimpleNamespace
from typing import Any, cast

from plumbing.app import Runtime
from plumbing.clock import as_utc
from plumbing.envelope import Envelope
from plumbing.ids import new_id
from plumbing.mongo import Doc
from plumbing.outbox import Outbox
from plumbing.storage import Delta, MemoryStorage, Storage, storage_for
from plumbing.studio import StudioSettings
from pymongo.asynchronous.database import AsyncDatabase

from crm.adapters.timelines import HEADS, PagedTimelines
from crm.service_layer.ports import (
    PERIODS,
    PROFILES,
    Key,
    Plans,
    ReadModels,
    plans,
    read_models,
)
from crm.service_layer.totals import TOTALS


def runtime_of(db: AsyncDatabase[Doc]) -> Runtime:
    """What the consumer's handlers need of a runtime, on a scratch database."""
    return cast(Runtime, SimpleNamespace(db=db, store=lambda: storage_for(db), outbox=Outbox(db)))


async def created_entries(mongo: Any, tenant: str) -> int:
    """How many `client_created` entries the crm timelines of a tenant hold (each client's
    must appear exactly once, whatever was replayed)."""
    db = mongo["crm"]
    timelines = PagedTimelines(db, tenant)
    total = 0
    async for head in db[HEADS].find({"tenant": tenant}, {"client_id": 1}):
        entries = await timelines.every(str(head["client_id"]))
        total += sum(1 for e in entries if e.get("kind") == "client_created")
    return total


def _key(entry: Doc) -> Key:
    return (as_utc(entry["at"]), str(entry["id"]))


class MemoryTimelines:
    """`Timelines` in a dictionary: every entry of a client, each guard once, and the
    announcements of the entries added (`published`), as the relay would send them."""

    def __init__(self) -> None:
        self.entries: dict[str, list[Doc]] = {}
        self.published: list[Envelope] = []
        self._guards: dict[str, set[str]] = {}

    async def add(
        self,
        client_id: str,
        entries: Sequence[Doc],
        guards: Sequence[str],
        announcements: Sequence[Envelope],
    ) -> None:
        seen = self._guards.setdefault(client_id, set())
        for entry, guard, announcement in zip(entries, guards, announcements, strict=True):
            if guard not in seen:
                seen.add(guard)
                self.entries.setdefault(client_id, []).append(dict(entry))
                self.published.append(announcement)

    async def entry(self, client_id: str, entry_id: str) -> Doc | None:
        found = [e for e in self.entries.get(client_id, []) if str(e["id"]) == entry_id]
        return found[0] if found else None

    async def newest(self, client_id: str, count: int, before: Key | None = None) -> list[Doc]:
        found = [e for e in self.entries.get(client_id, []) if before is None or _key(e) < before]
        return sorted(found, key=_key, reverse=True)[:count]

    async def newer(self, client_id: str, count: int, than: Key | None = None) -> list[Doc]:
        found = [e for e in self.entries.get(client_id, []) if than is None or _key(e) > than]
        return list(reversed(sorted(found, key=_key)[:count]))

    async def every(self, client_id: str) -> list[Doc]:
        return list(self.entries.get(client_id, []))

    async def erase(self, client_id: str) -> None:
        self.entries.pop(client_id, None)
        self._guards.pop(client_id, None)


class MemoryRecordedFacts:
    """Facts recorded through the graph, kept with their events (`RecordedFacts`)."""

    def __init__(self) -> None:
        self.facts: dict[str, Doc] = {}
        self.events: list[Envelope] = []

    async def record(self, key: str, envelopes: Sequence[Envelope], body: Doc) -> Doc:
        if key in self.facts:
            return {**self.facts[key], "duplicate": True}
        self.facts[key] = {"event_id": envelopes[0].id, **body}
        self.events += envelopes
        return self.facts[key]


class MemoryCrm:
    """One process's crm storage in memory: per studio, its read models, timelines,
    tasks and funnels, all on one `MemoryStorage`."""

    def __init__(self, zone: str = "Europe/Madrid") -> None:
        self.storage = MemoryStorage()
        self.zone = zone
        self.timelines: dict[str, MemoryTimelines] = {}
        self.clients: dict[str, set[str]] = {}  # the profiles written, for the recount

    def views(self, tenant: str) -> ReadModels:
        timelines = self.timelines.setdefault(tenant, MemoryTimelines())
        return read_models(self.storage, tenant, timelines)

    def plans(self, tenant: str) -> Plans:
        return plans(self.storage, tenant)

    def studio(self, tenant: str) -> StudioSettings:
        return StudioSettings(tenant=tenant, name=tenant, time_zone=self.zone)

    def studios(self) -> MemoryStudios:
        return MemoryStudios(self)


class MemoryStudios:
    """`crm.service_layer.totals.Studios` over a `MemoryCrm`: the profiles of the
    clients it was told about."""

    def __init__(self, crm: MemoryCrm) -> None:
        self.crm = crm
        self.storage: Storage = crm.storage

    async def stale(self, today: str) -> list[str]:
        stale = []
        for tenant in self.crm.clients:
            totals = await self.storage.read_model(PERIODS, tenant).get(TOTALS) or {}
            if totals.get("as_of") != today:
                stale.append(tenant)
        return stale

    async def studio(self, tenant: str) -> StudioSettings:
        return self.crm.studio(tenant)

    async def profiles(self, tenants: Sequence[str]) -> AsyncIterator[tuple[str, str, Doc]]:
        for tenant in tenants:
            profiles = self.storage.read_model(PROFILES, tenant)
            found = await profiles.get_many(sorted(self.crm.clients.get(tenant, ())))
            for client_id, profile in found.items():
                yield tenant, client_id, profile

    async def set_contributions(self, tenant: str, client_id: str, keys: list[str]) -> None:
        profiles = self.storage.read_model(PROFILES, tenant)
        await profiles.apply_once(client_id, f"recount:{new_id()}", Delta(set={"contrib": keys}))

    async def rewrite_totals(self, tenant: str, counts: Mapping[str, int], as_of: str) -> None:
        periods = self.storage.read_model(PERIODS, tenant)
        await periods.apply_once(
            TOTALS, f"recount:{new_id()}", Delta(set={"c": dict(counts), "as_of": as_of})
        )
