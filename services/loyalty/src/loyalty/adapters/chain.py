"""Versioned documents whose every read and write is keyed by `_id` alone.

FerretDB's SQLite backend pushes only a bare `_id` filter down: a filter such as
`{_id, version}` scans the whole collection (measured here: 1-9 s under load). So the
usual conditional update is replaced by compare-and-set through insertion:

- state N of a thing lives in its own document `_id = <tenant>:<local>#<N>`;
- moving from state N to N+1 INSERTS document N+1: the unique `_id` lets exactly one
  writer win (DuplicateKeyError for the others, who re-read and re-decide);
- a small head document (`<tenant>:<local>`) remembers the newest N as a hint (`$max`),
  and readers walk forward from it by `_id` until the next state is missing.

State N+1 carries the complete state and its outbox entries, so a change and its events
stay ONE single-document write. The state two steps back is deleted once its events are out.
"""

from __future__ import annotations

from plumbing.mongo import Doc, DuplicateKeyError, doc_key, document_lock, write_gate
from plumbing.outbox import OUTBOX_FIELD, Outbox
from pymongo.asynchronous.database import AsyncDatabase


class Conflict(Exception):
    """Someone else wrote the next state first: read again and retry."""


class Chain:
    def __init__(self, db: AsyncDatabase[Doc], name: str, tenant: str) -> None:
        if not tenant:
            raise ValueError("a tenant is required")
        self.tenant = tenant
        self.states_name = f"{name}_states"
        self.states = db[self.states_name]
        self.heads = db[f"{name}_heads"]
        self.outbox = Outbox(db)

    def head_id(self, local: str) -> str:
        return doc_key(self.tenant, local)

    def state_id(self, local: str, version: int) -> str:
        return f"{doc_key(self.tenant, local)}#{version}"

    async def head(self, local: str) -> Doc | None:
        return await self.heads.find_one({"_id": self.head_id(local)})

    async def latest(
        self, local: str, head: Doc | None = None, *, walk: bool = True
    ) -> tuple[int, Doc | None]:
        """The newest state and its number (0, None when there is none yet).

        `walk=False` trusts the head (one read less): the head lags only between a state's
        insert and its own update, and a writer that trusted a lagging head gets Conflict
        and reads again with `walk=True`."""
        for _ in range(10):
            if head is None:
                head = await self.head(local)
            start = int((head or {}).get("v") or 0)
            version, doc = start, None
            if start:
                doc = await self.states.find_one({"_id": self.state_id(local, start)})
            while walk or (start and doc is None):
                following = await self.states.find_one({"_id": self.state_id(local, version + 1)})
                if following is None:
                    break
                version, doc = version + 1, following
            if version == 0 or doc is not None:
                return version, doc
            head = None  # the hint pointed at a state cleaned up meanwhile: read it again
        raise Conflict(local)

    async def append(
        self, local: str, version: int, state: Doc, *, hints: Doc | None = None
    ) -> None:
        """Write state `version` (the previous number + 1), or raise Conflict. `hints` are
        copied onto the head for scans (jobs); they may lag, never decide anything alone."""
        document = {**state, "_id": self.state_id(local, version), "tenant": self.tenant}
        try:
            async with write_gate(self.states):
                await self.states.insert_one(document)
        except DuplicateKeyError as exc:
            raise Conflict(local) from exc
        if document.get(OUTBOX_FIELD):
            await self.outbox.written(self.states_name, document["_id"])
        async with document_lock(self.heads.name, self.head_id(local)), write_gate(self.heads):
            await self.heads.update_one(
                {"_id": self.head_id(local)},
                {
                    "$max": {"v": version},
                    "$set": {"tenant": self.tenant, "local": local, **(hints or {})},
                },
                upsert=True,
            )

    async def forget(self, local: str, head: Doc) -> int:
        """Drop the states older than the last two, oldest first, stopping at one whose
        events the relay has not published yet. Runs from a job, off the hot path."""
        newest = int(head.get("v") or 0)
        done = int(head.get("gc") or 0)
        dropped = 0
        for version in range(done + 1, newest - 1):
            old_id = self.state_id(local, version)
            old = await self.states.find_one({"_id": old_id}, {OUTBOX_FIELD: 1})
            if old is not None and old.get(OUTBOX_FIELD):
                break
            if old is not None:
                async with write_gate(self.states):
                    await self.states.delete_one({"_id": old_id})
                dropped += 1
            done = version
        if done > int(head.get("gc") or 0):
            async with document_lock(self.heads.name, self.head_id(local)), write_gate(self.heads):
                await self.heads.update_one({"_id": self.head_id(local)}, {"$max": {"gc": done}})
        return dropped

    async def set_head(self, local: str, fields: Doc) -> None:
        async with document_lock(self.heads.name, self.head_id(local)), write_gate(self.heads):
            await self.heads.update_one(
                {"_id": self.head_id(local)},
                {
                    "$set": {"tenant": self.tenant, "local": local, **fields},
                    "$max": {"v": 0},
                },
                upsert=True,
            )

    async def all_heads(self, projection: Doc | None = None) -> list[Doc]:
        """Every head of this tenant (a scan: for jobs and reports, never per request)."""
        return await self.heads.find({"tenant": self.tenant}, projection).to_list()


async def heads_of_every_tenant(db: AsyncDatabase[Doc], name: str, projection: Doc) -> list[Doc]:
    """One scan over the heads of all tenants (periodic jobs)."""
    return await db[f"{name}_heads"].find({}, projection).to_list()
