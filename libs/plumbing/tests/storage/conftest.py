"""The contract suite runs once per implementation of the storage port:

- `memory`: the in-memory fake;
- `ferretdb`: insert-only compare-and-set, against the local FerretDB;
- `mongodb`: conditional updates, against the database at MONGO_URL. On the local
  FerretDB that checks its single-writer behaviour only: FerretDB does not isolate
  updates, so whatever needs MongoDB's atomic conditional update is skipped there and
  runs when MONGO_URL points at a real MongoDB (docs/storage.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from plumbing.mongo import backend
from plumbing.storage import MemoryStorage, Storage
from plumbing.storage.ferretdb import FerretStorage
from plumbing.storage.mongodb import MongoStorage
from plumbing.testing import scratch_database

from .model import TALLIES

IMPLEMENTATIONS = ["memory", "ferretdb", "mongodb"]

NEEDS_MONGODB = (
    "the MongoDB implementation needs MongoDB's atomic conditional update; FerretDB "
    "applies updates without isolation (several winners in 23 of 50 rounds, docs/storage.md). "
    "Run with MONGO_URL pointing at a real MongoDB (docs/storage.md)"
)


@pytest.fixture(params=IMPLEMENTATIONS)
async def storage(request: pytest.FixtureRequest) -> AsyncIterator[Storage]:
    if request.param == "memory":
        yield MemoryStorage()
        return
    async with scratch_database("storage") as db:
        chosen: Storage = FerretStorage(db) if request.param == "ferretdb" else MongoStorage(db)
        await chosen.prepare([TALLIES], ["views"])
        yield chosen


def needs_isolated_updates(storage: Storage) -> None:
    """Skip where the implementation's guarantee rests on something this database
    lacks: the MongoDB implementation running on FerretDB."""
    if isinstance(storage, MongoStorage) and backend.id_only_pushdown:
        pytest.skip(NEEDS_MONGODB)


def needs_bounded_pushes(storage: Storage) -> None:
    """FerretDB ignores `$slice` in `$push` (measured: ten pushes with `$slice: -3` kept
    ten); the MongoDB implementation relies on it."""
    if isinstance(storage, MongoStorage) and backend.id_only_pushdown:
        pytest.skip("the MongoDB implementation's bounded lists need MongoDB's $push $slice")
