"""Compare-and-set resting on inserts only: an aggregate as a chain of states.

FerretDB v1 does not isolate updates (it reads the document, applies the update in Go and
writes it back by `_id`): 4 concurrent `find_one_and_update({_id, version: 3})` had more
than one winner in 23 of 50 rounds (measured here, docs/storage.md). Only inserting a new
`_id` is atomic. So:

- state N of an aggregate is its own document, `_id = <tenant>:<key>#<N>`, holding the
  whole state and the events it caused (one single-document write);
- saving from version N INSERTS document N+1: of two writers from N exactly one insert
  succeeds, the other gets DuplicateKeyError (Conflict). This holds across processes;
- a head document `<tenant>:<key>` remembers the newest N as a hint, with the indexed
  fields for `find`, and readers walk forward from it (N+1, N+2, N+4… then halve): a head
  that lags costs a few reads, never a wrong answer, and a read that finds it lagging
  repairs it;
- every read and write is by `_id` alone: FerretDB's SQLite backend pushes down only a
  filter of exactly `{_id: <string>}`; any other reads the whole collection, every
  tenant's (1.1 s on 50,000 documents);
- a state is ONE packed field (`plumbing.packed`): FerretDB's cost follows the number of
  fields, not the bytes (300 account states of eight lots and eight ledger entries: 171 ms
  to insert as sub-documents, 46 ms packed; 325 ms and 126 ms to read back by `_id`), and
  nothing filters inside a state here. The outbox entries stay an array: the relay reads
  and `$pullAll`s them as they are.

Old states are deleted once their events are out and they were written `KEEP_RECENT`
(10 minutes) ago, oldest first, keeping the newest two: by the save that follows an idle
aggregate, and by `FerretStorage.tidy` (a periodic job) for the rest. A writer that
loaded before a state existed could insert into the gap a deleted state leaves;
`HOLD_LIMIT` (1 minute, every implementation) keeps a loaded state from being saved that
late.

`save_many` (a bulk path) inserts every next state with one `insert_many` and holds their
events in ONE outbox batch (`Outbox.begin_batch`) instead of in each state; it moves a
head only when its indexed hints change or when it falls `HEAD_LAG` states behind (a
lagging head costs a reader about 2·log2(lag) reads, a head write costs one write per
state).

The collections are `<name>_states` and `<name>_heads`, with the fields loyalty's own
chain used (`v`, `gc`, `tenant`, `local`, `written_at`), so what it wrote loads as it is:
states with the state's fields at the top level, states with some fields packed and the
others beside `packed` (merged), and fields it kept on the head (`Aggregates.from_head`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from plumbing.clock import as_utc
from plumbing.filter_match import matches
from plumbing.mongo import Doc, doc_key, document_lock, insert_new, write_gate
from plumbing.outbox import BATCH_FIELD, OUTBOX_FIELD, Outbox, stored
from plumbing.packed import pack, unpack
from plumbing.storage.port import (
    Aggregates,
    Change,
    Conflict,
    Loaded,
    Many,
    Outgoing,
    Repository,
    check_hold,
    checked_changes,
    checked_key,
    checked_state,
    checked_tenant,
    checked_where,
)

S = TypeVar("S")

KEEP_RECENT = timedelta(minutes=10)
CLEAN_AT_MOST = 64  # old states one save deletes at most (the rest waits for `tidy`)
HEAD_LAG = 32  # `save_many` moves a head whose hints did not change this far behind
WRITTEN_AT = "written_at"
PACKED = "packed"
# A state document's own fields (legacy states hold the state's fields beside them).
STATE_FIELDS = frozenset({"_id", "tenant", WRITTEN_AT, OUTBOX_FIELD, BATCH_FIELD, PACKED})


@dataclass(frozen=True)
class _Note:
    """What a load saw besides the state: when the state was written, how far old
    states are deleted, and the head as last read or written (its version and hints)."""

    written_at: datetime | None
    gc: int
    head_v: int = 0
    hints: Doc | None = None


class ChainRepository(Repository[S]):
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        outbox: Outbox,
        aggregates: Aggregates[S],
        tenant: str,
        keep_recent: timedelta,
    ) -> None:
        self._kind = aggregates
        self._tenant = checked_tenant(tenant)
        self.states = db[f"{aggregates.name}_states"]
        self.heads = db[f"{aggregates.name}_heads"]
        self._outbox = outbox
        self._keep_recent = keep_recent

    @property
    def tenant(self) -> str:
        return self._tenant

    @property
    def name(self) -> str:
        return self._kind.name

    def head_id(self, key: str) -> str:
        return doc_key(self._tenant, key)

    def state_id(self, key: str, version: int) -> str:
        return f"{doc_key(self._tenant, key)}#{version}"

    # ------------------------------------------------------------------ reading
    async def load(self, key: str) -> Loaded[S]:
        checked_key(key)
        for _ in range(3):
            head = await self.heads.find_one({"_id": self.head_id(key)})
            start = int((head or {}).get("v") or 0)
            gc = int((head or {}).get("gc") or 0)
            doc = None
            if start:
                doc = await self.states.find_one({"_id": self.state_id(key, start)})
                if doc is None:
                    # The hint names a deleted state (a head write lost to another
                    # process's): read the head again.
                    continue
            version, doc = await self._walk(key, start, doc)
            note = _Note(None, gc, start, self._hints(head))
            if version > start and doc is not None:
                hints = await self._advance(key, version, None, self._fields(doc))
                note = _Note(None, gc, version, hints)
            return self._loaded(key, version, doc, note, self._carried(head))
        version, doc = await self._search(key, start)
        return self._loaded(key, version, doc, _Note(None, gc), self._carried(head))

    async def _walk(self, key: str, version: int, doc: Doc | None) -> tuple[int, Doc | None]:
        """The newest state from `version` on. States above a deleted one run without
        gaps, so probe 1, 2, 4… ahead, then halve the last interval: a head `lag` states
        behind costs about 2·log2(lag) reads; an up-to-date one, one read."""
        step = 1
        while True:
            probe = await self.states.find_one({"_id": self.state_id(key, version + step)})
            if probe is None:
                break
            version, doc = version + step, probe
            step *= 2
        low, high = version, version + step  # `low` is the newest known, `high` is missing
        while high - low > 1:
            middle = (low + high) // 2
            probe = await self.states.find_one({"_id": self.state_id(key, middle)})
            if probe is None:
                high = middle
            else:
                low, doc = middle, probe
        return low, doc

    async def _search(self, key: str, start: int) -> tuple[int, Doc | None]:
        """The head keeps naming deleted states: the states still there follow them
        without gaps, so look one by one above it (rare: lost head writes and a clean-up
        together)."""
        for version in range(start + 1, start + 10_000):
            doc = await self.states.find_one({"_id": self.state_id(key, version)})
            if doc is not None:
                return await self._walk(key, version, doc)
        raise Conflict(f"{key}: no state found above version {start}")

    def _fields(self, doc: Doc) -> Doc | None:
        """The state's document: packed, or at the top level (written before packing),
        or both (loyalty's chain packed some fields and kept others beside them)."""
        top = {k: v for k, v in doc.items() if k not in STATE_FIELDS}
        if PACKED not in doc:
            return top
        packed = doc[PACKED]
        fields = unpack(packed) if isinstance(packed, str) else packed
        if fields is None:
            return None if not top else top  # forgotten (None), or an empty packed part
        return {**top, **fields}

    def _hints(self, head: Doc | None) -> Doc:
        return {n: (head or {})[n] for n in self._kind.indexed if n in (head or {})}

    def _carried(self, head: Doc | None) -> Doc:
        return {n: (head or {})[n] for n in self._kind.from_head if n in (head or {})}

    def _loaded(
        self, key: str, version: int, doc: Doc | None, note: _Note, carried: Doc
    ) -> Loaded[S]:
        fields = None if doc is None else self._fields(doc)
        if carried and (doc is None or fields is not None):
            # What an earlier layout kept on the head: a state without it takes it, and a
            # head that alone holds it stands for a state (still at version 0).
            fields = {**carried, **(fields or {})}
        state = None if fields is None else self._kind.codec.load(fields)
        written = None if doc is None else doc.get(WRITTEN_AT)
        if isinstance(written, datetime):
            note = _Note(as_utc(written), note.gc, note.head_v, note.hints)
        return Loaded(self._tenant, key, version, state, note=note)

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Loaded[S]]:
        """Heads carry the indexed fields as hints: the heads that match (a scan of the
        heads, as every non-`_id` filter is here; jobs only), each state then read by
        `_id` and checked again, since a hint may lag behind its state."""
        conditions = checked_where(where, self._kind.indexed)
        cursor = self.heads.find({"tenant": self._tenant, **conditions}, {"local": 1})
        keys = sorted([str(head["local"]) async for head in cursor if head.get("local")])
        found: list[Loaded[S]] = []
        for key in keys:
            one = await self.load(key)
            if one.state is None or not matches(self._kind.codec.dump(one.state), conditions):
                continue
            found.append(one)
            if limit and len(found) >= limit:
                break
        return found

    # ------------------------------------------------------------------ writing
    async def save(
        self, current: Loaded[S], state: S | None, events: Sequence[Outgoing] = ()
    ) -> Loaded[S]:
        if current.tenant != self._tenant:
            raise ValueError("an aggregate of another tenant")
        check_hold(current)
        fields = None if state is None else checked_state(self._kind.codec.dump(state))
        version = current.version + 1
        now = datetime.now(UTC)
        document: Doc = {
            "_id": self.state_id(current.key, version),
            "tenant": self._tenant,
            PACKED: pack(fields),
            WRITTEN_AT: now,
        }
        entries = [stored(e.envelope, e.topic) for e in events]
        if entries:
            document[OUTBOX_FIELD] = entries
        try:
            async with write_gate(self.states):
                await self.states.insert_one(document)
        except DuplicateKeyError as exc:
            raise Conflict(current.key) from exc
        if entries:
            await self._outbox.written(self.states.name, document["_id"])
        note = current.note if isinstance(current.note, _Note) else _Note(None, 0)
        gc = await self._clean_behind(current.key, current.version, note)
        as_stored = None if fields is None else unpack(document[PACKED])
        hints = await self._advance(current.key, version, gc, as_stored)
        note = _Note(as_utc(now), max(gc or 0, note.gc), version)
        return self._as_saved(current, document, note, hints)

    def _as_saved(self, current: Loaded[S], document: Doc, note: _Note, hints: Doc) -> Loaded[S]:
        as_stored = unpack(document[PACKED])
        return Loaded(
            self._tenant,
            current.key,
            current.version + 1,
            None if as_stored is None else self._kind.codec.load(as_stored),
            note=_Note(note.written_at, note.gc, note.head_v, hints),
        )

    async def save_many(self, changes: Sequence[Change[S]]) -> Many[S]:
        """Every next state with one insert, their events in one outbox batch; a head
        moves only when its hints change or it lags `HEAD_LAG` states behind."""
        now = datetime.now(UTC)
        lost: set[str] = set()
        rows: list[tuple[Loaded[S], S | None, Doc | None, Doc]] = []
        groups: dict[str, list[Doc]] = {}
        for current, state, events in checked_changes(changes):
            if current.tenant != self._tenant:
                raise ValueError("an aggregate of another tenant")
            try:
                check_hold(current)
            except Conflict:
                lost.add(current.key)
                continue
            fields = None if state is None else checked_state(self._kind.codec.dump(state))
            document: Doc = {
                "_id": self.state_id(current.key, current.version + 1),
                "tenant": self._tenant,
                PACKED: pack(fields),
                WRITTEN_AT: now,
            }
            rows.append((current, state, fields, document))
            groups[str(document["_id"])] = [stored(e.envelope, e.topic) for e in events]
        if not rows:
            return Many({}, lost)
        batch = None
        if any(groups.values()):
            batch = await self._outbox.begin_batch(self.states.name, groups)
            for *_, document in rows:
                document.update({OUTBOX_FIELD: [], BATCH_FIELD: batch})
        existed = await insert_new(self.states, [document for *_, document in rows])
        if batch is not None:
            await self._outbox.commit_batch(batch, [str(rows[i][3]["_id"]) for i in existed])
        saved: dict[str, Loaded[S]] = {}
        for position, (current, state, fields, _) in enumerate(rows):
            if position in existed:
                lost.add(current.key)
                continue
            version = current.version + 1
            note = current.note if isinstance(current.note, _Note) else _Note(None, 0)
            # Compared as stored (milliseconds), as the head holds them.
            hints = unpack(pack(self._hints(fields)))
            head_v = note.head_v
            if note.hints != hints or version - head_v >= HEAD_LAG:
                hints = await self._advance(current.key, version, None, hints)
                head_v = version
            # The state as given, not read back: a bulk writer keeps saving from it.
            saved[current.key] = Loaded(
                self._tenant,
                current.key,
                version,
                state,
                note=_Note(as_utc(now), note.gc, head_v, hints),
            )
        return Many(saved, lost)

    async def _advance(self, key: str, version: int, gc: int | None, fields: Doc | None) -> Doc:
        """Move the head's hint to `version` (never back, within this process) with the
        indexed fields of that state; returns those fields."""
        update: Doc = {
            "$max": {"v": version, **({"gc": gc} if gc else {})},
            "$set": {"tenant": self._tenant, "local": key},
        }
        hints = {n: (fields or {})[n] for n in self._kind.indexed if n in (fields or {})}
        update["$set"].update(hints)
        missing = [n for n in self._kind.indexed if n not in hints]
        if missing:
            update["$unset"] = dict.fromkeys(missing, "")
        head_id = self.head_id(key)
        async with document_lock(self.heads.name, head_id):
            try:
                async with write_gate(self.heads):
                    await self.heads.update_one({"_id": head_id}, update, upsert=True)
            except DuplicateKeyError:
                # Another process created the head meanwhile: update the one there.
                async with write_gate(self.heads):
                    await self.heads.update_one({"_id": head_id}, update)
        return hints

    async def _clean_behind(self, key: str, loaded: int, note: _Note) -> int | None:
        """After saving `loaded + 1`: when the loaded state is `KEEP_RECENT` old, so is
        every state before it, and those up to `loaded - 1` may go once their events are
        out (the newest two stay). Returns how far states are now deleted, or None."""
        written = note.written_at
        if written is None or datetime.now(UTC) - written < self._keep_recent:
            return None
        return await self._drop_states(key, note.gc, loaded - 1, check_age=False)

    async def _drop_states(self, key: str, done: int, last: int, *, check_age: bool) -> int | None:
        """Delete states `done + 1` to `last`, oldest first, stopping at one whose events
        are not out (or, with `check_age`, one written less than `KEEP_RECENT` ago)."""
        moved = done
        for version in range(done + 1, min(last, done + CLEAN_AT_MOST) + 1):
            state_id = self.state_id(key, version)
            old = await self.states.find_one(
                {"_id": state_id}, {OUTBOX_FIELD: 1, BATCH_FIELD: 1, WRITTEN_AT: 1}
            )
            if old is not None:
                if not await self._forgettable(old, check_age=check_age):
                    break
                async with write_gate(self.states):
                    await self.states.delete_one({"_id": state_id})
            moved = version
        return moved if moved > done else None

    async def _forgettable(self, old: Doc, *, check_age: bool) -> bool:
        if old.get(OUTBOX_FIELD):
            return False
        written = old.get(WRITTEN_AT)
        if check_age and (
            not isinstance(written, datetime)
            or datetime.now(UTC) - as_utc(written) < self._keep_recent
        ):
            return False
        # A state written by a batch (loyalty's bulk path) keeps it until the batch is out.
        return not old.get(BATCH_FIELD) or not await self._outbox.pending(str(old[BATCH_FIELD]))

    async def tidy_one(self, key: str, head: Doc) -> int:
        """One aggregate's share of `FerretStorage.tidy`: returns the states deleted."""
        start = int(head.get("v") or 0)
        newest, doc = await self._walk(key, start, None)
        if newest > start and doc is not None:
            await self._advance(key, newest, None, self._fields(doc))
        done = int(head.get("gc") or 0)
        moved = await self._drop_states(key, done, newest - 2, check_age=True)
        if moved is None:
            return 0
        async with document_lock(self.heads.name, self.head_id(key)), write_gate(self.heads):
            await self.heads.update_one({"_id": self.head_id(key)}, {"$max": {"gc": moved}})
        return moved - done
