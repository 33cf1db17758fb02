"""The studio's rank program, one document per tenant (`<tenant>:program` in `programs`):
on/off, terminology, the categories with their ordered ranks (and each rank's stripes),
and the ranks removed from them (kept so that old history entries still resolve).

`PROGRAMS` declares it as an aggregate with its codec; `ProgramDocuments` is the
repository over the `programs` collection as it has always been laid out (`version` at
the top level), which the seniority job also reads across tenants
(`tenants_with_program`). A save is one conditional write `{_id, version}`: the program
changes rarely and only by hand, so the lost-update window FerretDB leaves (updates are
not isolated, docs/storage.md) is accepted here, as before the port; the members, which
visits, jobs and staff change concurrently, are on the chain that is safe across
processes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plumbing.config_cache import Recent
from plumbing.mongo import Doc, DuplicateKeyError
from plumbing.storage import Aggregates, Conflict, Loaded, Outgoing, Repository
from plumbing.storage.port import check_hold
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from ranks.domain.categories import Category, Criteria, RankDef, Terminology

PROGRAMS_COLLECTION = "programs"
PROGRAM_ID = "program"


@dataclass
class Program:
    enabled: bool = False
    terminology: Terminology = Terminology.BELTS
    categories: list[Category] = field(default_factory=list)
    # Ranks removed from a category, kept so that old history entries still resolve.
    removed: dict[str, tuple[str, RankDef]] = field(default_factory=dict)

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
    )


def program_doc(program: Program) -> Doc:
    return {
        "enabled": program.enabled,
        "terminology": program.terminology.value,
        "categories": [_category_doc(c) for c in program.categories],
        "removed": {
            k: {"category_id": cid, "rank": _rank_doc(r)} for k, (cid, r) in program.removed.items()
        },
    }


class ProgramCodec:
    def dump(self, state: Program) -> Doc:
        return program_doc(state)

    def load(self, doc: Doc) -> Program:
        return program_of(doc)


PROGRAMS: Aggregates[Program] = Aggregates(PROGRAMS_COLLECTION, ProgramCodec())

# The program as queries show it (the client card, `rankProgram`): a few seconds.
_shown: Recent[Program] = Recent()


class ProgramDocuments(Repository[Program]):
    """The `programs` collection behind the repository port (key `program`)."""

    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self._tenant = tenant
        self._cache_key = (db.name, tenant)
        self._programs = TenantCollection(db[PROGRAMS_COLLECTION], tenant)

    @property
    def tenant(self) -> str:
        return self._tenant

    @property
    def name(self) -> str:
        return PROGRAMS_COLLECTION

    async def load(self, key: str = PROGRAM_ID) -> Loaded[Program]:
        doc = await self._programs.get(key)
        if doc is None:
            return Loaded(self._tenant, key, 0, None)
        return Loaded(self._tenant, key, int(doc.get("version") or 0), program_of(doc))

    async def save(
        self, current: Loaded[Program], state: Program | None, events: Sequence[Outgoing] = ()
    ) -> Loaded[Program]:
        if state is None or events:
            raise ValueError("a program is never forgotten and causes no events")
        check_hold(current)
        body: Doc = {**program_doc(state), "version": current.version + 1}
        try:
            if current.version == 0:
                try:
                    await self._programs.insert({"_id": current.key, **body})
                except DuplicateKeyError:
                    raise Conflict(current.key) from None
            elif (
                await self._programs.update(
                    {"_id": current.key, "version": current.version}, {"$set": body}
                )
                is None
            ):
                raise Conflict(current.key)
        finally:
            _shown.drop(self._cache_key)
        return Loaded(self._tenant, current.key, current.version + 1, state)

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Loaded[Program]]:
        if where:
            raise ValueError("programs are found by tenant only")
        found = await self.load(PROGRAM_ID)
        return [found] if found.exists else []

    async def shown(self) -> Program:
        """The program for queries: remembered for a few seconds (`plumbing.recent`);
        mutations and the consumer decide from `load`."""
        return await _shown.get(self._cache_key, self._program)

    async def _program(self) -> Program:
        return (await self.load(PROGRAM_ID)).state or Program()


async def tenants_with_program(db: AsyncDatabase[Doc]) -> list[str]:
    """Every tenant whose program is on (the seniority job, across tenants)."""
    docs = await db[PROGRAMS_COLLECTION].find({"enabled": True}, {"tenant": 1}).to_list()
    return sorted({d["tenant"] for d in docs if d.get("tenant")})
