"""MongoDB access scoped by tenant, in one place.

Resolvers and use cases never touch a raw collection: they get a `TenantCollection`,
which adds the tenant to every filter, every inserted document and every `_id`.
Document ids are `<tenant>:<id>`, so reads by id stay `_id` lookups (the only filter
FerretDB's SQLite backend pushes down) and can never cross a tenant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from plumbing.filter_match import Unsupported, matches
from plumbing.mongo import (
    Doc,
    backend,
    bounded_pushes,
    doc_key,
    document_lock,
    insert_new,
    write_gate,
)


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

    async def get_many(
        self,
        locals_: Sequence[str],
        projection: Mapping[str, Any] | None = None,
        *,
        parallel: int = 32,
    ) -> list[Doc]:
        """The documents of these local ids that exist, one `_id` lookup each.

        Not `{_id: {$in: [...]}}`: FerretDB's SQLite backend pushes down only a filter of
        exactly one `_id`, so `$in` reads the whole collection (every tenant's documents)
        and slows down as the collection grows; single lookups stay constant.
        """
        wanted = list(dict.fromkeys(locals_))
        found: list[Doc] = []
        for start in range(0, len(wanted), parallel):
            chunk = wanted[start : start + parallel]
            docs = await asyncio.gather(*(self.get(local, projection) for local in chunk))
            found.extend(doc for doc in docs if doc is not None)
        return found

    async def find_one(
        self, filter: Mapping[str, Any], projection: Mapping[str, Any] | None = None
    ) -> Doc | None:
        scoped = self._scope(filter)
        guard = self._local_guard(scoped)
        if guard is None:
            return await self.raw.find_one(scoped, projection)
        key, conditions = guard  # one document by `_id`, checked here (see `update`)
        doc = await self.raw.find_one({"_id": key})
        if doc is None or not matches(doc, conditions):
            return None
        if projection:
            return await self.raw.find_one({"_id": key}, projection)
        return doc

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
        async with write_gate(self.raw):
            await self.raw.insert_one(stamped)
        return stamped

    async def insert_new(self, documents: Sequence[Mapping[str, Any]]) -> set[int]:
        """`insert_new` for this tenant: positions of the documents that existed."""
        return await insert_new(self.raw, [self._stamp(d) for d in documents])

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
            guard = self._local_guard(scoped)
            if guard is not None:
                # FerretDB/SQLite: `{_id, ...guard}` would scan the whole collection while
                # holding the database's write lock. Check the guard on the document read
                # by `_id` instead; the document lock keeps the check and the write
                # together (FerretDB's own update is read-modify-write as well).
                key, conditions = guard
                current = await self.raw.find_one({"_id": key})
                if current is None:
                    if not upsert:
                        return None
                elif not matches(current, conditions):
                    return None
                scoped = {"_id": key}
                body = await bounded_pushes(self.raw, key, body, current)
            elif isinstance(scoped.get("_id"), str) and len(scoped) == 1:
                body = await bounded_pushes(self.raw, scoped["_id"], body)
            async with write_gate(self.raw):
                return await self.raw.find_one_and_update(
                    scoped, body, upsert=upsert, return_document=ReturnDocument.AFTER
                )

    def _local_guard(self, scoped: Mapping[str, Any]) -> tuple[str, Doc] | None:
        """`(key, conditions)` when a filter is one `_id` plus conditions that this process
        should check itself (see `update`), else None."""
        key = scoped.get("_id")
        if not backend.id_only_pushdown or not isinstance(key, str) or len(scoped) == 1:
            return None
        conditions = {k: v for k, v in scoped.items() if k != "_id"}
        try:
            matches({}, conditions)
        except Unsupported:
            return None
        return key, conditions

    async def update_many(self, filter: Mapping[str, Any], update: Mapping[str, Any]) -> int:
        async with write_gate(self.raw):
            result = await self.raw.update_many(self._scope(filter), dict(update))
        return result.modified_count

    async def delete(self, filter: Mapping[str, Any]) -> int:
        scoped = self._scope(filter)
        guard = self._local_guard(scoped)
        if guard is None:
            async with write_gate(self.raw):
                result = await self.raw.delete_many(scoped)
            return result.deleted_count
        key, conditions = guard  # one document, checked here (see `update`)
        async with document_lock(self.raw.name, key):
            current = await self.raw.find_one({"_id": key})
            if current is None or not matches(current, conditions):
                return 0
            async with write_gate(self.raw):
                result = await self.raw.delete_one({"_id": key})
            return result.deleted_count
