"""MongoDB storage of the ranks context. Every read and write is tenant-scoped here.

Collections:
- `programs`: one document per tenant (`<tenant>:program`): on/off, terminology, the
  categories with their ordered ranks (and each rank's stripes). Changed under an
  optimistic `version` guard.
- `members`: one document per client (`<tenant>:<client id>`): what the client holds
  in each category (`holdings`), the history, the visits counted in the current rank,
  and the pending events (`_outbox`). Every change is one conditional single-document
  write guarded by `version`, so concurrent visits, jobs and staff never lose an update
  and an eligibility is acted on once.
- `roster`: the report's read model, keyed by what it is read by: per category,
  `ROSTER_BUCKETS` documents `<tenant>:<category>:<n>`, each mapping client id -> the
  row (rank, since, stripes, eligible, last automatic promotion). A report reads those few
  documents by `_id` (the one filter FerretDB pushes down), never scans `members`.
  Visits that change nothing visible do not touch it.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from plumbing.clock import as_utc
from plumbing.contracts import EventData
from plumbing.mongo import Doc, DuplicateKeyError, TenantCollection
from plumbing.outbox import Outbox, stored, with_events
from plumbing.recent import Recent
from pymongo.asynchronous.database import AsyncDatabase

from ranks.domain.model import (
    Category,
    Change,
    ChangeKind,
    Criteria,
    Holding,
    RankDef,
    Terminology,
    Trigger,
)
from ranks.events import catalog

PROGRAMS = "programs"
MEMBERS = "members"
ROSTER = "roster"
ROSTER_REVS = "roster_revs"  # per category: how many times each bucket changed
PROGRAM_ID = "program"
ROSTER_BUCKETS = 16
OUTBOX_COLLECTIONS = (MEMBERS,)


class Conflict(Exception):
    """Someone changed the document meanwhile: read again and retry."""


# ---------------------------------------------------------------- program


@dataclass
class Program:
    enabled: bool = False
    terminology: Terminology = Terminology.BELTS
    categories: list[Category] = field(default_factory=list)
    # Ranks removed from a category, kept so that old history entries still resolve.
    removed: dict[str, tuple[str, RankDef]] = field(default_factory=dict)
    version: int = 0

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def rank(self, rank_id: str) -> tuple[Category, RankDef] | None:
        for category in self.categories:
            for rank in category.ranks:
                if rank.id == rank_id:
                    return category, rank
        if rank_id in self.removed:
            category_id, rank = self.removed[rank_id]
            found = self.category(category_id)
            if found is not None:
                return found, rank
        return None

    def replace(self, category: Category) -> None:
        self.categories = [category if c.id == category.id else c for c in self.categories]


def _criteria_doc(criteria: Criteria) -> Doc:
    return {
        "min_visits": criteria.min_visits,
        "min_days": criteria.min_days_in_rank,
        "skills": list(criteria.skills),
    }


def _criteria_of(doc: Doc) -> Criteria:
    return Criteria(doc.get("min_visits"), doc.get("min_days"), tuple(doc.get("skills", ())))


def _rank_doc(rank: RankDef) -> Doc:
    return {
        "id": rank.id,
        "name": rank.name,
        **_criteria_doc(rank.criteria),
        "stripes": [_criteria_doc(c) for c in rank.stripes],
    }


def _rank_of(doc: Doc) -> RankDef:
    return RankDef(
        doc["id"],
        doc["name"],
        _criteria_of(doc),
        tuple(_criteria_of(c) for c in doc.get("stripes", ())),
    )


def _category_doc(category: Category) -> Doc:
    return {
        "id": category.id,
        "name": category.name,
        "auto_promote": category.auto_promote,
        "notify_on_eligibility": category.notify_on_eligibility,
        "notify_roles": list(category.notify_roles),
        "notify_client": category.notify_client,
        "archived": category.archived,
        "service_ids": list(category.service_ids),
        "ranks": [_rank_doc(r) for r in category.ranks],
    }


def _category_of(doc: Doc) -> Category:
    return Category(
        id=doc["id"],
        name=doc["name"],
        auto_promote=doc.get("auto_promote", False),
        notify_on_eligibility=doc.get("notify_on_eligibility", False),
        notify_roles=tuple(doc.get("notify_roles", ())),
        notify_client=doc.get("notify_client", False),
        archived=doc.get("archived", False),
        service_ids=tuple(doc.get("service_ids", ())),
        ranks=tuple(_rank_of(r) for r in doc.get("ranks", ())),
    )


def program_of(doc: Doc | None) -> Program:
    if doc is None:
        return Program()
    return Program(
        enabled=doc.get("enabled", False),
        terminology=Terminology(doc.get("terminology", "BELTS")),
        categories=[_category_of(c) for c in doc.get("categories", ())],
        removed={
            k: (v["category_id"], _rank_of(v["rank"])) for k, v in doc.get("removed", {}).items()
        },
        version=doc.get("version", 0),
    )


# ---------------------------------------------------------------- members


@dataclass
class Member:
    client_id: str
    holdings: dict[str, Holding]
    history: list[Change]
    version: int


def _holding_doc(h: Holding) -> Doc:
    return {
        "rank_id": h.rank_id,
        "since": h.since,
        "visit_keys": list(h.visit_keys),
        "announced_for": h.announced_for,
        "auto_promoted_at": h.auto_promoted_at,
        "skills": list(h.skills),
        "stripes": h.stripes,
        "stripe_since": h.stripe_since,
        "earlier_visits": h.earlier_visits,
        "last_visit_at": h.last_visit_at,
        "announced_stripe": h.announced_stripe,
    }


def _maybe_utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value else None


def _holding_of(doc: Doc) -> Holding:
    return Holding(
        rank_id=doc["rank_id"],
        since=as_utc(doc["since"]),
        visit_keys=tuple(doc.get("visit_keys", ())),
        announced_for=doc.get("announced_for"),
        auto_promoted_at=_maybe_utc(doc.get("auto_promoted_at")),
        skills=tuple(doc.get("skills", ())),
        stripes=doc.get("stripes", 0),
        stripe_since=_maybe_utc(doc.get("stripe_since")),
        earlier_visits=doc.get("earlier_visits", 0),
        last_visit_at=_maybe_utc(doc.get("last_visit_at")),
        announced_stripe=doc.get("announced_stripe"),
    )


def change_doc(c: Change) -> Doc:
    return {
        "id": c.id,
        "category_id": c.category_id,
        "from_rank_id": c.from_rank_id,
        "to_rank_id": c.to_rank_id,
        "from_rank_name": c.from_rank_name,
        "to_rank_name": c.to_rank_name,
        "kind": c.kind.value,
        "trigger": c.trigger.value,
        "actor_id": c.actor_id,
        "note": c.note,
        "at": c.at,
        "from_stripes": c.from_stripes,
        "to_stripes": c.to_stripes,
    }


def change_of(doc: Doc) -> Change:
    return Change(
        id=doc["id"],
        category_id=doc["category_id"],
        from_rank_id=doc.get("from_rank_id"),
        to_rank_id=doc["to_rank_id"],
        kind=ChangeKind(doc["kind"]),
        trigger=Trigger(doc["trigger"]),
        actor_id=doc.get("actor_id"),
        note=doc.get("note"),
        at=as_utc(doc["at"]),
        from_rank_name=doc.get("from_rank_name"),
        to_rank_name=doc.get("to_rank_name", ""),
        from_stripes=doc.get("from_stripes", 0),
        to_stripes=doc.get("to_stripes", 0),
    )


def member_of(doc: Doc) -> Member:
    return Member(
        client_id=doc["client_id"],
        holdings={k: _holding_of(v) for k, v in (doc.get("holdings") or {}).items()},
        history=[change_of(c) for c in doc.get("history", ())],
        version=doc.get("version", 0),
    )


def _field(key: str) -> str:
    # Client and category ids become field names: keep them out of Mongo's syntax.
    return key.replace(".", "\uff0e").replace("$", "\uff04")


def bucket_of(client_id: str) -> int:
    return zlib.crc32(client_id.encode()) % ROSTER_BUCKETS


@dataclass(frozen=True)
class RosterRow:
    client_id: str
    rank_id: str
    since: datetime
    # Announced eligible for the next rank (`eligible`) or the next stripe.
    eligible: bool
    auto_promoted_at: datetime | None
    stripes: int = 0
    # Where the current step started (the last stripe change, or `since`): the seniority
    # job finds the clients due from it.
    step_since: datetime | None = None
    stripe_eligible: bool = False


# Parsed roster buckets, by `<tenant>:<category>:<bucket>`: (revision read, rows).
_roster_cache: dict[str, tuple[int, list[RosterRow]]] = {}


def _parse_rows(doc: Doc | None) -> list[RosterRow]:
    out: list[RosterRow] = []
    for v in ((doc or {}).get("rows") or {}).values():
        out.append(
            RosterRow(
                client_id=v["c"],
                rank_id=v["r"],
                since=as_utc(v["s"]),
                eligible=bool(v.get("e")),
                auto_promoted_at=_maybe_utc(v.get("a")),
                stripes=v.get("n") or 0,
                step_since=_maybe_utc(v.get("t")),
                stripe_eligible=bool(v.get("x")),
            )
        )
    return out


# The program as queries show it (the client card, `rankProgram`): a few seconds.
_shown: Recent[Program] = Recent()


class Store:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str, outbox: Outbox) -> None:
        self.tenant = tenant
        self._key = (db.name, tenant)
        self.programs = TenantCollection(db[PROGRAMS], tenant)
        self.members = TenantCollection(db[MEMBERS], tenant)
        self.roster = TenantCollection(db[ROSTER], tenant)
        self.roster_revs = TenantCollection(db[ROSTER_REVS], tenant)
        self._outbox = outbox

    # ------------------------------------------------------------ program
    async def program(self) -> Program:
        return program_of(await self.programs.get(PROGRAM_ID))

    async def shown_program(self) -> Program:
        """The program for queries: remembered for a few seconds (`plumbing.recent`);
        mutations and the consumer decide from `program`."""
        return await _shown.get(self._key, self.program)

    async def save_program(self, program: Program) -> Program:
        """Write the whole program if nobody changed it since it was read."""
        try:
            return await self._save_program(program)
        finally:
            _shown.drop(self._key)

    async def _save_program(self, program: Program) -> Program:
        body: Doc = {
            "enabled": program.enabled,
            "terminology": program.terminology.value,
            "categories": [_category_doc(c) for c in program.categories],
            "removed": {
                k: {"category_id": cid, "rank": _rank_doc(r)}
                for k, (cid, r) in program.removed.items()
            },
            "version": program.version + 1,
        }
        if program.version == 0:
            try:
                await self.programs.insert({"_id": PROGRAM_ID, **body})
            except DuplicateKeyError:
                raise Conflict from None
        else:
            saved = await self.programs.update(
                {"_id": PROGRAM_ID, "version": program.version}, {"$set": body}
            )
            if saved is None:
                raise Conflict
        program.version += 1
        return program

    # ------------------------------------------------------------ members
    async def member(self, client_id: str) -> Member | None:
        doc = await self.members.get(client_id, {"_outbox": 0, "_events": 0})
        return member_of(doc) if doc else None

    async def members_by_ids(self, ids: Sequence[str]) -> dict[str, Member]:
        docs = await asyncio.gather(*(self.member(i) for i in ids))
        return {m.client_id: m for m in docs if m is not None}

    async def ensure_member(self, client_id: str, at: datetime) -> None:
        """Create the client's document when the clients context tells us of the client
        (client_created). $setOnInsert makes a replay harmless; `card` also confirms a
        document staff created before their actions waited for the card."""
        update: Doc = {
            "$setOnInsert": {
                "client_id": client_id,
                "holdings": {},
                "history": [],
                "version": 0,
                "created_at": at,
            },
            "$set": {"card": True},
        }
        try:
            await self.members.update({"_id": client_id}, update, upsert=True)
        except DuplicateKeyError:  # two upserts raced: the document is there now
            await self.members.update({"_id": client_id}, {"$set": {"card": True}})

    async def save_member(
        self,
        member: Member,
        changed: dict[str, Holding],
        new_history: Sequence[Change],
        events: Sequence[EventData],
        event_time: datetime,
    ) -> None:
        """One conditional write: holdings, history and events together, or Conflict."""
        sets: Doc = {f"holdings.{_field(k)}": _holding_doc(v) for k, v in changed.items()}
        sets["version"] = member.version + 1
        update: Doc = {"$set": sets}
        if new_history:
            update["$push"] = {"history": {"$each": [change_doc(c) for c in new_history]}}
        entries = [
            stored(
                catalog.envelope(e, tenant=self.tenant, subject=member.client_id, time=event_time),
                catalog.type_of(e).topic,
            )
            for e in events
        ]
        guard: Doc = {"_id": member.client_id}
        guard["version"] = member.version if member.version else {"$in": [0, None]}
        saved = await self.members.update(guard, with_events(update, entries))
        if saved is None:
            raise Conflict
        member.version += 1
        if entries:
            await self._outbox.written(MEMBERS, saved["_id"])

    async def forget_member(self, client_id: str, category_ids: Sequence[str]) -> None:
        await self.members.delete({"_id": client_id})
        for category_id in category_ids:
            await self.roster.update(
                {"_id": self._roster_id(category_id, bucket_of(client_id))},
                {"$unset": {f"rows.{_field(client_id)}": ""}},
            )
            await self._bump(category_id, bucket_of(client_id))

    # ------------------------------------------------------------ roster (report model)
    def _roster_id(self, category_id: str, bucket: int) -> str:
        return f"{category_id}:{bucket}"

    async def put_row(self, category_id: str, row: RosterRow) -> None:
        value: dict[str, Any] = {
            "c": row.client_id,
            "r": row.rank_id,
            "s": row.since,
            "e": row.eligible,
            "a": row.auto_promoted_at,
            "n": row.stripes,
            "t": row.step_since,
            "x": row.stripe_eligible,
        }
        await self.roster.update(
            {"_id": self._roster_id(category_id, bucket_of(row.client_id))},
            {"$set": {f"rows.{_field(row.client_id)}": value}},
            upsert=True,
        )
        await self._bump(category_id, bucket_of(row.client_id))

    async def _bump(self, category_id: str, bucket: int) -> None:
        """Tell every process's roster cache that this bucket changed (after the write:
        a reader may serve the previous rows until then, never rows older than that)."""
        await self.roster_revs.update(
            {"_id": category_id}, {"$inc": {f"b{bucket}": 1}}, upsert=True
        )

    async def rows(self, category_id: str) -> list[RosterRow]:
        """Every row of a category's roster. A bucket is read again only when its revision
        moved: for 100,000 holders the buckets are about 10 MB of documents, which FerretDB
        took 4 s to return, while the revisions are one small document."""
        revs = await self.roster_revs.get(category_id) or {}
        stale = [
            b
            for b in range(ROSTER_BUCKETS)
            if _roster_cache.get(self._bucket_key(category_id, b), (-1, []))[0]
            != int(revs.get(f"b{b}") or 0)
        ]
        docs = await asyncio.gather(
            *(self.roster.get(self._roster_id(category_id, b), {"rows": 1}) for b in stale)
        )
        for b, doc in zip(stale, docs, strict=True):
            rows = _parse_rows(doc)
            _roster_cache[self._bucket_key(category_id, b)] = (int(revs.get(f"b{b}") or 0), rows)
        out: list[RosterRow] = []
        for b in range(ROSTER_BUCKETS):
            out.extend(_roster_cache[self._bucket_key(category_id, b)][1])
        return out

    def _bucket_key(self, category_id: str, bucket: int) -> str:
        return f"{self.tenant}:{self._roster_id(category_id, bucket)}"

    async def held_ranks(self, category_id: str) -> set[str]:
        return {row.rank_id for row in await self.rows(category_id)}

    async def held_stripes(self, category_id: str) -> dict[str, int]:
        """Per rank of the category, the most stripes any client holds in it."""
        most: dict[str, int] = {}
        for row in await self.rows(category_id):
            most[row.rank_id] = max(most.get(row.rank_id, 0), row.stripes)
        return most
