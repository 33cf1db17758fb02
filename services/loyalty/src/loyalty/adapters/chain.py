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

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from plumbing.clock import as_utc
from plumbing.mongo import (
    Doc,
    DuplicateKeyError,
    doc_key,
    document_lock,
    insert_new,
    write_gate,
)
from plumbing.outbox import BATCH_FIELD, OUTBOX_FIELD, Outbox
from plumbing.storage import Conflict
from pymongo.asynchronous.database import AsyncDatabase

WRITTEN_AT = "written_at"
KEEP_RECENT = timedelta(minutes=10)

__all__ = ["KEEP_RECENT", "WRITTEN_AT", "Chain", "Conflict", "heads_of_every_tenant"]


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
            if walk or (start and doc is None):
                version, doc = await self._walk(local, version, doc)
            if version == 0 or doc is not None:
                return version, doc
            head = None  # the hint pointed at a state cleaned up meanwhile: read it again
        raise Conflict(local)

    async def _walk(self, local: str, version: int, doc: Doc | None) -> tuple[int, Doc | None]:
        """The newest state from `version` on: states above the head are never cleaned up,
        so they run without gaps; probe 1, 2, 4… ahead, then halve the last interval
        (a head `lag` states behind costs about 2·log2(lag) reads, not `lag`)."""
        step = 1
        while True:
            probe = await self.states.find_one({"_id": self.state_id(local, version + step)})
            if probe is None:
                break
            version, doc = version + step, probe
            step *= 2
        low, high = version, version + step  # `low` is the newest known, `high` is missing
        while high - low > 1:
            middle = (low + high) // 2
            probe = await self.states.find_one({"_id": self.state_id(local, middle)})
            if probe is None:
                high = middle
            else:
                low, doc = middle, probe
        return low, doc

    async def append(
        self, local: str, version: int, state: Doc, *, hints: Doc | None = None
    ) -> None:
        """Write state `version` (the previous number + 1), or raise Conflict. `hints` are
        copied onto the head for scans (jobs); they may lag, never decide anything alone."""
        document = {
            **state,
            "_id": self.state_id(local, version),
            "tenant": self.tenant,
            WRITTEN_AT: datetime.now(UTC),
        }
        try:
            async with write_gate(self.states):
                await self.states.insert_one(document)
        except DuplicateKeyError as exc:
            raise Conflict(local) from exc
        if document.get(OUTBOX_FIELD):
            await self.outbox.written(self.states_name, document["_id"])
        await self.advance(local, version, hints or {})

    async def append_many(self, states: Sequence[tuple[str, int, Doc]]) -> set[str]:
        """Write many next states at once, `(local, version, state)` each, with one insert
        call: returns the locals that lost their race (Conflict), whose states were not
        written. Their events travel in one outbox batch (`Outbox.begin_batch`), not in
        each state. The heads are left to the caller (`advance`): they are hints, and
        readers walk past them."""
        if not states:
            return set()
        ids = [self.state_id(local, version) for local, version, _ in states]
        now = datetime.now(UTC)
        batch = await self.outbox.begin_batch(
            self.states_name,
            {
                i: state.get(OUTBOX_FIELD) or []
                for i, (_, _, state) in zip(ids, states, strict=True)
            },
        )
        documents = [
            {
                **state,
                "_id": i,
                "tenant": self.tenant,
                WRITTEN_AT: now,
                OUTBOX_FIELD: [],
                BATCH_FIELD: batch,
            }
            for i, (_, _, state) in zip(ids, states, strict=True)
        ]
        lost = {states[i][0] for i in await insert_new(self.states, documents)}
        await self.outbox.commit_batch(
            batch, [i for i, (local, _, _) in zip(ids, states, strict=True) if local in lost]
        )
        return lost

    async def advance(self, local: str, version: int, hints: Doc) -> None:
        """Move the head's hint to `version` (never back) and set its hints."""
        async with document_lock(self.heads.name, self.head_id(local)), write_gate(self.heads):
            await self.heads.update_one(
                {"_id": self.head_id(local)},
                {"$max": {"v": version}, "$set": {"tenant": self.tenant, "local": local, **hints}},
                upsert=True,
            )

    async def heads_of(self, locals_: Sequence[str]) -> dict[str, Doc]:
        """The heads of these things, read by `_id` side by side (missing ones absent)."""
        found = await asyncio.gather(*(self.head(local) for local in locals_))
        return {local: doc for local, doc in zip(locals_, found, strict=True) if doc is not None}

    async def forget(self, local: str, head: Doc) -> int:
        """Drop the states older than the last two, oldest first, stopping at one whose
        events the relay has not published yet, or one written less than `KEEP_RECENT`
        ago (a writer trusting its own recent copy of the chain, see `append_many`, must
        find the state it would overwrite still there). Runs from a job, off the hot path."""
        newest = int(head.get("v") or 0)
        done = int(head.get("gc") or 0)
        dropped = 0
        for version in range(done + 1, newest - 1):
            old_id = self.state_id(local, version)
            old = await self.states.find_one(
                {"_id": old_id}, {OUTBOX_FIELD: 1, BATCH_FIELD: 1, WRITTEN_AT: 1}
            )
            if old is not None and not await self._forgettable(old):
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

    async def _forgettable(self, old: Doc) -> bool:
        if old.get(OUTBOX_FIELD):
            return False
        written = old.get(WRITTEN_AT)
        if written is not None and datetime.now(UTC) - as_utc(written) < KEEP_RECENT:
            return False
        # A batch whose events are not out yet checks which of its states exist.
        return not old.get(BATCH_FIELD) or not await self.outbox.pending(str(old[BATCH_FIELD]))

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
