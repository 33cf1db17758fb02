"""Clients' members as aggregates behind the storage port (`plumbing.storage`).

`MEMBERS` declares the kind once; `MemberCodec` turns a `Member` into the document the
members collection has always held (`client_id`, `holdings` by category, `history`,
`card`, `created_at`), so documents written before the port load as they are on MongoDB
(a document upserted without a version counts as version 0, see docs/storage.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from plumbing.clock import as_utc
from plumbing.mongo import Doc, doc_key
from plumbing.storage import Aggregates, Repository, Storage
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from ranks.adapters.earlier import Earlier
from ranks.domain.member import Member
from ranks.domain.model import Change, ChangeKind, Holding, Trigger


def _field(key: str) -> str:
    # Category ids become field names: keep them out of MongoDB's syntax.
    return key.replace(".", "\uff0e").replace("$", "\uff04")


def _key(name: str) -> str:
    return name.replace("\uff0e", ".").replace("\uff04", "$")


def _maybe_utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value else None


def holding_doc(h: Holding) -> Doc:
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


def holding_of(doc: Doc) -> Holding:
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


class MemberCodec:
    """Every field of `Member` goes into the document: a save writes the whole state, so
    a field kept outside it (as `card` and `created_at` once were, by separate upserts)
    would be lost by the next save."""

    def dump(self, state: Member) -> Doc:
        return {
            "client_id": state.client_id,
            "holdings": {_field(k): holding_doc(v) for k, v in state.holdings.items()},
            "history": [change_doc(c) for c in state.history],
            "card": state.card,
            "created_at": state.created_at,
        }

    def load(self, doc: Doc) -> Member:
        return Member(
            client_id=doc["client_id"],
            holdings={_key(k): holding_of(v) for k, v in (doc.get("holdings") or {}).items()},
            history=[change_of(c) for c in doc.get("history") or ()],
            card=bool(doc.get("card", False)),
            created_at=_maybe_utc(doc.get("created_at")),
        )


MEMBERS: Aggregates[Member] = Aggregates("members", MemberCodec())
# The clients the clients context announced (`card`, `created_at`) or erased (`erased`):
# a read model, one cheap write per client_created (an import announces thousands), while
# a member is created by the client's first change.
CARDS = "client_cards"


def members_repository(storage: Storage, db: AsyncDatabase[Doc], tenant: str) -> Repository[Member]:
    """One tenant's members; on the local FerretDB the members still in their earlier
    documents are adopted as they are first loaded (`ranks.adapters.earlier`)."""
    members = storage.repository(MEMBERS, tenant)
    if storage.kind != "ferretdb":
        return members
    return Earlier(members, TenantCollection(db[MEMBERS.name], tenant), MEMBERS.codec)


class MembersShown(Protocol):
    """The members a page of the report shows (read only: a save in flight may be
    missed)."""

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Member]: ...


class LoadedMembers(MembersShown):
    """Each member through the repository (the local database: one chain each, read by
    `_id`, the only filter FerretDB pushes down; memory)."""

    def __init__(self, members: Repository[Member]) -> None:
        self._members = members

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Member]:
        loaded = await asyncio.gather(*(self._members.load(i) for i in dict.fromkeys(ids)))
        return {one.key: one.state for one in loaded if one.state is not None}


class MongoMembers(MembersShown):
    """MongoDB: the page's members in one query by `_id` (`$in`), in the layout the
    storage port keeps there (`plumbing.storage.mongodb`: a forgotten member is marked
    `_gone`), instead of one round trip each."""

    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self._members = db[MEMBERS.name]
        self._tenant = tenant

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Member]:
        keys = [doc_key(self._tenant, i) for i in dict.fromkeys(ids)]
        if not keys:
            return {}
        cursor = self._members.find({"_id": {"$in": keys}}, {"_outbox": 0, "_events": 0})
        found: dict[str, Member] = {}
        async for doc in cursor:
            if doc.get("_gone"):
                continue
            member = MEMBERS.codec.load(doc)
            found[member.client_id] = member
        return found


def members_shown(storage: Storage, db: AsyncDatabase[Doc], tenant: str) -> MembersShown:
    if storage.kind == "mongodb":
        return MongoMembers(db, tenant)
    return LoadedMembers(members_repository(storage, db, tenant))
