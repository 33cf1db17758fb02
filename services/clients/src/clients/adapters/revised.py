"""Documents of this context that use cases change through `plumbing.storage.change`:
the client cards (`clients`, version field `rev`), the rank part of a card (version field
`rank_rev`) and the custom field definitions (`custom_fields`, `rev`).

`RevisedDocuments` is the `plumbing.storage.Repository` port over the layout these
collections have had in production since before the port: the state's fields at the top
level next to `_id`, `tenant` and a version counter named `rev` (the port's own MongoDB
implementation calls it `version`; see docs/storage.md). Keeping the layout means no
migration: every query, index and bulk import path reads the same documents as before.

A save writes only the top-level fields that differ from what was loaded (`$set`, and
`$unset` for those the new state lacks), bumps the counter and pushes the events into the
document's `_outbox`, guarded by `{_id, <counter>: <loaded>, erased: {$ne: true}}`. On
MongoDB the database applies that guard atomically. On FerretDB, `TenantCollection.update`
checks the guard on the document it reads by `_id` (the only filter FerretDB/SQLite
pushes down) under this process's document lock, as before this port: not isolated
across processes (docs/storage.md, "FerretDB: each workaround and its measurement").
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plumbing.mongo import Doc, DuplicateKeyError
from plumbing.outbox import Outbox, stored, with_events
from plumbing.storage import Conflict, Loaded, Outgoing, Repository
from plumbing.tenant_collection import TenantCollection

# Kept by the adapter, never part of a state a use case sees or writes.
_OWN = frozenset({"_id", "tenant", "_outbox", "_events"})


@dataclass(frozen=True)
class _Note:
    exists: bool
    state: Doc | None  # the state as loaded: a save writes what differs from it
    counted: bool = True  # False: written before it had a counter (version 0)


class RevisedDocuments(Repository[Doc]):
    """One collection of one tenant, versioned by `counter`.

    `fields`: when given, a load reads only these fields (and a save may change only
    them), so a part of a card (its ranks) has its own counter and never races the rest.
    `erased_is_gone`: a card marked `erased` (C12) loads as a forgotten state.
    `written`: called with each document a save wrote (the search index, caches).
    """

    def __init__(
        self,
        collection: TenantCollection,
        outbox: Outbox,
        *,
        counter: str = "rev",
        fields: Sequence[str] | None = None,
        erased_is_gone: bool = True,
        written: Callable[[Doc], None] | None = None,
    ) -> None:
        self._col = collection
        self._outbox = outbox
        self._counter = counter
        self._fields = tuple(fields) if fields is not None else None
        self._erased_is_gone = erased_is_gone
        self._written = written

    @property
    def tenant(self) -> str:
        return self._col.tenant

    @property
    def name(self) -> str:
        return self._col.name

    def _projection(self) -> Doc:
        if self._fields is None:
            return {"_outbox": 0, "_events": 0}
        return dict.fromkeys((*self._fields, self._counter, "erased"), 1)

    def _loaded(self, key: str, doc: Doc | None) -> Loaded[Doc]:
        if doc is None:
            return Loaded(self.tenant, key, 0, None, note=_Note(False, None))
        version = int(doc.get(self._counter) or 0)
        if self._erased_is_gone and doc.get("erased"):
            return Loaded(self.tenant, key, version, None, note=_Note(True, None))
        state = {k: v for k, v in doc.items() if k not in _OWN and k != self._counter}
        note = _Note(True, copy.deepcopy(state), counted=self._counter in doc)
        return Loaded(self.tenant, key, version, state, note=note)

    async def load(self, key: str) -> Loaded[Doc]:
        return self._loaded(key, await self._col.get(key, self._projection()))

    async def save(
        self, current: Loaded[Doc], state: Doc | None, events: Sequence[Outgoing] = ()
    ) -> Loaded[Doc]:
        if current.tenant != self.tenant:
            raise ValueError("a document of another tenant")
        if state is None:
            raise ValueError("erasure is its own use case (C12), not a save")
        note = current.note if isinstance(current.note, _Note) else _Note(False, None)
        entries = [stored(e.envelope, e.topic) for e in events]
        fields = {k: v for k, v in state.items() if k not in _OWN and k != self._counter}
        if self._fields is not None and set(fields) - set(self._fields) - {"erased"}:
            raise ValueError(f"this repository writes only {self._fields}")
        if not note.exists:
            body: Doc = {"_id": current.key, **fields, self._counter: 1, "_outbox": entries}
            try:
                saved = await self._col.insert(body)
            except DuplicateKeyError as exc:
                raise Conflict(current.key) from exc
        else:
            before = note.state or {}
            update: Doc = {"$inc": {self._counter: 1}}
            changed = {k: v for k, v in fields.items() if k not in before or before[k] != v}
            dropped = dict.fromkeys(sorted(set(before) - set(fields)), "")
            if changed:
                update["$set"] = changed
            if dropped:
                update["$unset"] = dropped
            guard: Doc = (
                {self._counter: current.version}
                if note.counted
                else {self._counter: {"$exists": False}}
            )
            doc = await self._col.update(
                {"_id": current.key, **guard, "erased": {"$ne": True}},
                with_events(update, entries),
            )
            if doc is None:
                raise Conflict(current.key)
            saved = doc
        if self._written is not None:
            self._written(saved)
        if entries:
            await self._outbox.written(self._col.name, self._col.key(current.key))
        return self._loaded(current.key, _shown(saved, self._fields, self._counter))

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Loaded[Doc]]:
        docs = await self._col.find(dict(where or {}), projection=self._projection(), limit=limit)
        return [self._loaded(str(d["_id"]).split(":", 1)[1], d) for d in docs]


def _shown(doc: Doc, fields: Sequence[str] | None, counter: str) -> Doc:
    if fields is None:
        return {k: v for k, v in doc.items() if k not in ("_outbox", "_events")}
    return {k: v for k, v in doc.items() if k in (*fields, counter, "erased")}
