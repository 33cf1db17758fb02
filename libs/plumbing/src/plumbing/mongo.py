"""MongoDB access scoped by tenant, in one place.

Resolvers and use cases never touch a raw collection: they get a `TenantCollection`,
which adds the tenant to every filter, every inserted document and every `_id`.
Document ids are `<tenant>:<id>`, so reads by id stay `_id` lookups (the only filter
FerretDB's SQLite backend pushes down) and can never cross a tenant.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Doc = dict[str, Any]

__all__ = [
    "AsyncDatabase",
    "Doc",
    "DuplicateKeyError",
    "TenantCollection",
    "create_client",
    "doc_key",
    "document_lock",
    "literal",
    "local_id",
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


def literal(value: Any) -> Any:
    """A client-supplied value used in a filter: never an operator document.

    GraphQL types already make most values scalars; this refuses the rest so that a
    `{"$ne": null}` smuggled in through a JSON field can never become a query operator.
    """
    if isinstance(value, Mapping) or (
        isinstance(value, str) and value.startswith("$") and len(value) > 1
    ):
        raise ValueError("operator-like value refused in a filter")
    return value


class TenantCollection:
    """One collection as seen by one tenant."""

    def __init__(self, collection: AsyncCollection[Doc], tenant: str) -> None:
        if not tenant:
            raise ValueError("a tenant is required")
        self.raw = collection
        self.tenant = tenant

    @property
    def name(self) -> str:
        return self.raw.name

    def key(self, local: str) -> str:
        return doc_key(self.tenant, local)

    def _scope(self, filter: Mapping[str, Any] | None) -> Doc:
        scoped: Doc = dict(filter or {})
        if "_id" in scoped and isinstance(scoped["_id"], str):
            scoped["_id"] = self.key(scoped["_id"])
            if len(scoped) == 1:
                # The key already names the tenant. A filter of exactly {_id} is the only
                # one FerretDB's SQLite backend answers from its index; adding `tenant`
                # would turn every lookup into a scan of the whole collection.
                return scoped
        scoped["tenant"] = self.tenant
        return scoped

    def _stamp(self, document: Mapping[str, Any]) -> Doc:
        stamped: Doc = dict(document)
        stamped["_id"] = self.key(str(stamped["_id"]))
        stamped["tenant"] = self.tenant
        return stamped

    async def get(self, local: str, projection: Mapping[str, Any] | None = None) -> Doc | None:
        return await self.raw.find_one({"_id": self.key(local)}, projection)

    async def find_one(
        self, filter: Mapping[str, Any], projection: Mapping[str, Any] | None = None
    ) -> Doc | None:
        return await self.raw.find_one(self._scope(filter), projection)

    async def find(
        self,
        filter: Mapping[str, Any] | None = None,
        *,
        projection: Mapping[str, Any] | None = None,
        sort: Sequence[tuple[str, int]] | None = None,
        limit: int = 0,
        skip: int = 0,
    ) -> list[Doc]:
        cursor = self.raw.find(self._scope(filter), projection)
        if sort:
            cursor = cursor.sort(list(sort))
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return await cursor.to_list()

    async def count(self, filter: Mapping[str, Any] | None = None) -> int:
        return await self.raw.count_documents(self._scope(filter))

    async def insert(self, document: Mapping[str, Any]) -> Doc:
        stamped = self._stamp(document)
        await self.raw.insert_one(stamped)
        return stamped

    async def update(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any],
        *,
        upsert: bool = False,
    ) -> Doc | None:
        """Atomically update one document and return it as it is after the update."""
        body: Doc = {op: dict(fields) for op, fields in update.items()}
        if upsert and not any("tenant" in fields for fields in body.values()):
            # The filter may be {_id} alone: a document created here still gets its tenant.
            body.setdefault("$setOnInsert", {})["tenant"] = self.tenant
        scoped = self._scope(filter)
        async with document_lock(self.raw.name, scoped.get("_id")):
            return await self.raw.find_one_and_update(
                scoped, body, upsert=upsert, return_document=ReturnDocument.AFTER
            )

    async def update_many(self, filter: Mapping[str, Any], update: Mapping[str, Any]) -> int:
        result = await self.raw.update_many(self._scope(filter), dict(update))
        return result.modified_count

    async def delete(self, filter: Mapping[str, Any]) -> int:
        result = await self.raw.delete_many(self._scope(filter))
        return result.deleted_count
