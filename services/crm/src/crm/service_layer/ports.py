"""What crm's use cases ask of storage: its read models behind the storage port
(`plumbing.storage.ReadModel`), the timelines, the facts recorded through the graph, and
tasks and funnels as aggregates. The adapters implement these for the database that
runs (`crm/adapters/`), `crm.testing` in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from plumbing.envelope import Envelope
from plumbing.storage import Aggregates, DocCodec, ReadModel, Repository, Storage

Doc = dict[str, Any]

# The read models, one document per key and tenant (docs/crm.md):
FACTS = "facts"  # each partner fact by its natural key, claimed by the first event
PERIODS = "periods"  # the summary's counters: days, months, totals, unpaid, birthdays
MARKS = "marks"  # "counted once in this period", claimed by the first event
PROFILES = "profiles"  # what the client card's activity shows, and the K3/K5 contributions
READ_MODELS = (FACTS, PERIODS, MARKS, PROFILES)

# K4: a task or a funnel is one aggregate; its changes go through `change` with their
# `crm.events`. The open tasks are found by `done` (indexed); a studio has a handful
# of funnels, listed whole.
TASKS: Aggregates[Doc] = Aggregates("tasks", DocCodec(), indexed=("done",))
FUNNELS: Aggregates[Doc] = Aggregates("funnels", DocCodec())

# (at, id) of a timeline entry: the timeline's order, newest first when reversed.
Key = tuple[datetime, str]


class Timelines(Protocol):
    """Each client's timeline (C9): one entry per event, each event's entry added once."""

    async def add(
        self,
        client_id: str,
        entries: Sequence[Doc],
        guards: Sequence[str],
        announcements: Sequence[Envelope],
    ) -> None:
        """Add the entries whose guard (one per entry) was not added before, and publish
        the announcement (one per entry) of each entry added, in the same write."""

    async def entry(self, client_id: str, entry_id: str) -> Doc | None:
        """One entry of the client's timeline, by its id (None when it is not kept)."""

    async def newest(self, client_id: str, count: int, before: Key | None = None) -> list[Doc]:
        """The `count` newest entries (older than `before`, when given), newest first."""

    async def newer(self, client_id: str, count: int, than: Key | None = None) -> list[Doc]:
        """The `count` entries just newer than `than` (the oldest ones without it),
        newest first: a page paged backward from `than`."""

    async def every(self, client_id: str) -> list[Doc]:
        """Every entry kept (erasure reads them once, before they go)."""

    async def erase(self, client_id: str) -> None: ...


class RecordedFacts(Protocol):
    """Facts recorded through the graph: the fact and its events in one insert."""

    async def record(self, key: str, envelopes: Sequence[Envelope], body: Doc) -> Doc:
        """Write the fact unless `key` is taken; returns the fact stored under `key`
        (`duplicate: True` when it was there already)."""


@dataclass(frozen=True)
class ReadModels:
    """One studio's read models and timelines."""

    tenant: str
    facts: ReadModel
    periods: ReadModel
    marks: ReadModel
    profiles: ReadModel
    timelines: Timelines


@dataclass(frozen=True)
class Plans:
    """One studio's tasks and funnels (K4)."""

    tasks: Repository[Doc]
    funnels: Repository[Doc]


def read_models(storage: Storage, tenant: str, timelines: Timelines) -> ReadModels:
    return ReadModels(
        tenant=tenant,
        facts=storage.read_model(FACTS, tenant),
        periods=storage.read_model(PERIODS, tenant),
        marks=storage.read_model(MARKS, tenant),
        profiles=storage.read_model(PROFILES, tenant),
        timelines=timelines,
    )


def plans(storage: Storage, tenant: str) -> Plans:
    return Plans(storage.repository(TASKS, tenant), storage.repository(FUNNELS, tenant))
