"""The studio's rank program as an aggregate behind the storage port: `PROGRAMS`, one
per tenant (key `program`), and its codec.

The document is the one the `programs` collection has always held (`enabled`,
`terminology`, `categories`, `removed`, `version` at the top level), so on MongoDB the
earlier documents load as they are; on the local FerretDB they are adopted into chains
on their first load (`ranks.adapters.earlier`).

The seniority job runs for the studios whose program is on. `find` is per tenant, so
they are listed in `PROGRAM_STUDIOS`: one aggregate (tenant `*`, key `on`) holding every
studio that ever turned its program on, added to by `change` (safe across processes on
both databases); the job loads each listed studio's program and skips those turned off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from plumbing.mongo import Doc
from plumbing.storage import Aggregates, Decision, Keep, Loaded, Repository, Save, Storage, change
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from ranks.adapters.earlier import Earlier
from ranks.domain.categories import Category, Criteria, RankDef, Terminology
from ranks.domain.program import Program

PROGRAMS_COLLECTION = "programs"
PROGRAM_ID = "program"


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


def program_repository(
    storage: Storage, db: AsyncDatabase[Doc], tenant: str
) -> Repository[Program]:
    programs = storage.repository(PROGRAMS, tenant)
    if storage.kind != "ferretdb":
        return programs
    return Earlier(programs, TenantCollection(db[PROGRAMS.name], tenant), PROGRAMS.codec)


@dataclass
class ProgramStudios:
    """The studios that ever turned their program on."""

    tenants: list[str] = field(default_factory=list)
    # The studios listed from the earlier `programs` documents (once, at start).
    adopted: bool = False


class ProgramStudiosCodec:
    def dump(self, state: ProgramStudios) -> Doc:
        return {"tenants": sorted(state.tenants), "adopted": state.adopted}

    def load(self, doc: Doc) -> ProgramStudios:
        return ProgramStudios(list(doc.get("tenants") or ()), bool(doc.get("adopted")))


PROGRAM_STUDIOS: Aggregates[ProgramStudios] = Aggregates("program_studios", ProgramStudiosCodec())
EVERY_STUDIO = "*"  # the tenant of the one `PROGRAM_STUDIOS` aggregate
STUDIOS_KEY = "on"


def program_studios(storage: Storage) -> Repository[ProgramStudios]:
    return storage.repository(PROGRAM_STUDIOS, EVERY_STUDIO)


async def add_studios(
    studios: Repository[ProgramStudios], tenants: list[str], *, adopted: bool = False
) -> None:
    """Add these studios to the list (nothing written when they are all there)."""

    def decide(current: Loaded[ProgramStudios]) -> Decision[ProgramStudios, None]:
        state = current.state or ProgramStudios()
        missing = set(tenants) - set(state.tenants)
        if not missing and (state.adopted or not adopted):
            return Keep(None)
        return Save(
            ProgramStudios(sorted({*state.tenants, *missing}), state.adopted or adopted), None
        )

    await change(studios, STUDIOS_KEY, decide)


async def studios_with_program(studios: Repository[ProgramStudios]) -> list[str]:
    state = (await studios.load(STUDIOS_KEY)).state
    return list(state.tenants) if state else []


async def adopt_program_studios(storage: Storage, db: AsyncDatabase[Doc]) -> None:
    """Once, at start: list the studios whose earlier `programs` document has the
    program on (a scan of one small document per studio, every tenant's)."""
    studios = program_studios(storage)
    state = (await studios.load(STUDIOS_KEY)).state
    if state is not None and state.adopted:
        return
    docs = await db[PROGRAMS_COLLECTION].find({"enabled": True}, {"tenant": 1}).to_list()
    await add_studios(
        studios, sorted({str(d["tenant"]) for d in docs if d.get("tenant")}), adopted=True
    )
