"""The MongoDB client, and the write discipline the local database needs.

FerretDB v1 on SQLite applies an update as read-modify-write without isolation and has
one writer per database file, so this process orders its own writes: per document
(`document_lock`) and per database (`write_gate`); lists bounded by `$push ... $slice`
are bounded here (`bounded_pushes`); a claim by insertion is made in bulk
(`insert_new`). On MongoDB the locks are uncontended and the gate is open. Access
scoped by tenant is `plumbing.tenant_collection`; its document ids are `doc_key`s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from plumbing.filter_match import path_values

Doc = dict[str, Any]

__all__ = [
    "AsyncDatabase",
    "Doc",
    "DuplicateKeyError",
    "backend",
    "bounded_pushes",
    "create_client",
    "detect_backend",
    "doc_key",
    "document_lock",
    "insert_new",
    "local_id",
    "write_gate",
]


class _DocumentLocks:
    """Serialises this process's writes to one document.

    FerretDB v1 (SQLite backend) applies an update as read-modify-write without isolation:
    measured here, 200 concurrent `$inc` of one document left 2 to 21 of them. Two writes
    racing on one document (a request and the relay, or two events for the same day's
    counters) could lose one, events included. Locally a service's API, consumer and
    relay share one process, so serialising its writes per document closes the gap;
    MongoDB applies updates atomically and pays only for an uncontended lock.
    """

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


_locks = _DocumentLocks()


def document_lock(collection: str, doc_id: object) -> AbstractAsyncContextManager[None]:
    """Hold while updating one document (see `_DocumentLocks`)."""
    return _locks.hold(f"{collection}|{doc_id}")


_gates: dict[str, asyncio.Lock] = {}


@asynccontextmanager
async def write_gate(target: AsyncCollection[Doc] | AsyncDatabase[Doc]) -> AsyncIterator[None]:
    """Hold around one write call: on FerretDB/SQLite, one write per database at a time.

    SQLite has one writer per database file. Writers that overlap wait in SQLite's busy
    handler, which is not fair: measured here, with a bulk import, the relay and the
    consumers writing to one database together, single writes waited the full busy
    timeout (about 10 s) and then failed with SQLITE_BUSY, and an import of 10,000 rows
    took minutes. Queued here instead, each write starts when the previous one is done.
    MongoDB writes concurrently; there the gate is open.
    """
    if not backend.id_only_pushdown:
        yield
        return
    name = target.name if isinstance(target, AsyncDatabase) else target.database.name
    gate = _gates.setdefault(name, asyncio.Lock())
    async with gate:
        yield


class _Backend:
    """What the database behind this process pushes down (set once at start)."""

    id_only_pushdown = False  # FerretDB v1's SQLite backend: only a filter of exactly {_id}


backend = _Backend()


async def detect_backend(client: AsyncMongoClient[Doc]) -> None:
    """FerretDB reports `ferretdbVersion` in `buildInfo`; MongoDB does not."""
    info = await client.admin.command("buildInfo")
    backend.id_only_pushdown = "ferretdbVersion" in info


_NOT_READ: Any = object()


async def bounded_pushes(
    collection: AsyncCollection[Doc], key: str, update: Doc, current: Any = _NOT_READ
) -> Doc:
    """`update` with every `$push ... $slice` turned into a `$set` of the bounded list.

    FerretDB v1 ignores `$slice` in `$push` (measured: ten pushes with `$slice: -3` keep
    all ten), so a list meant to keep the last N ids grew with every event, and each
    write of a busy document rewrote it whole (one day's counters reached 150 KB). Call
    while holding the document's lock: the list is computed from the document as read.
    On MongoDB the update is returned as it is.
    """
    pushes = update.get("$push") or {}
    sliced = {
        field: spec
        for field, spec in pushes.items()
        if isinstance(spec, Mapping) and "$slice" in spec and set(spec) <= {"$each", "$slice"}
    }
    if not backend.id_only_pushdown or not sliced:
        return update
    if current is _NOT_READ:
        current = await collection.find_one({"_id": key}, dict.fromkeys(sliced, 1))
    out: Doc = {op: dict(fields) for op, fields in update.items()}
    for field, spec in sliced.items():
        del out["$push"][field]
        before = path_values(current or {}, field)
        existing = before[0] if before and isinstance(before[0], list) else []
        keep = int(spec["$slice"])
        merged = [*existing, *spec["$each"]]
        out.setdefault("$set", {})[field] = merged[keep:] if keep < 0 else merged[:keep]
    if not out["$push"]:
        del out["$push"]
    return out


DUPLICATE_KEY = 11000


async def insert_new(collection: AsyncCollection[Doc], documents: Sequence[Doc]) -> set[int]:
    """Insert in one call every document whose `_id` is new (the bulk form of a claim by
    insertion); returns the positions of those whose `_id` existed, left as they were.
    Any other write error raises."""
    if not documents:
        return set()
    existed: set[int] = set()
    try:
        async with write_gate(collection):
            await collection.insert_many(documents, ordered=False)
    except BulkWriteError as exc:
        for error in exc.details.get("writeErrors", []):
            if error.get("code") != DUPLICATE_KEY:
                raise
            existed.add(int(error["index"]))
    return existed


def create_client(url: str) -> AsyncMongoClient[Doc]:
    # Timeouts short enough that /readyz answers quickly while the database is down,
    # long enough to ride out a restart without failing requests already in flight.
    return AsyncMongoClient(
        url,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        socketTimeoutMS=30_000,  # no database call waits forever (and holds a lock)
        connectTimeoutMS=2000,
        retryWrites=False,  # FerretDB v1 does not support retryable writes
    )


def doc_key(tenant: str, local: str) -> str:
    return f"{tenant}:{local}"


def local_id(key: str) -> str:
    return key.split(":", 1)[1]
