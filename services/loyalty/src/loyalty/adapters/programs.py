"""The points program (L1): its versions, newest last, as one chain of states per tenant
(`program_states` / `program_heads`, `chain.py`). A purchase earns by the version in
force when it was recorded, so every version is kept.

Use cases change the program through `ProgramHistory`, the storage port
(`plumbing.storage.Repository`) over that chain, and `plumbing.storage.change`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from plumbing.config_cache import Recent
from plumbing.mongo import Doc
from plumbing.storage import Aggregates, Outgoing, Repository
from plumbing.storage import Loaded as Stored
from pymongo.asynchronous.database import AsyncDatabase

from loyalty.adapters.chain import Chain
from loyalty.domain.earning import (
    DEFAULT_REMINDER_DAYS,
    EarnRule,
    Program,
    ProgramVersion,
    PromotionReward,
)

PROGRAM = "program"
PROGRAM_ID = "program"


def _program_doc(p: Program) -> Doc:
    return {
        "enabled": p.enabled,
        "point_value": str(p.point_value),
        "earn_percent": str(p.earn_percent),
        "expiry_days": p.expiry_days,
        "non_earning_methods": sorted(p.non_earning_methods),
        "receipt_branch_ids": list(p.receipt_branch_ids),
        "rules": [
            {
                "service_id": r.service_id,
                "service_name": r.service_name,
                "excluded": r.excluded,
                "fixed_points": r.fixed_points,
            }
            for r in p.rules.values()
        ],
        "promotion_rewards": [
            {"rank_id": r.rank_id, "points": r.points, "expiry_days": r.expiry_days}
            for r in p.promotion_rewards.values()
        ],
        "expiry_reminder_days": p.expiry_reminder_days,
    }


def _program(doc: Doc) -> Program:
    rules = [
        EarnRule(r["service_id"], r["service_name"], bool(r["excluded"]), r.get("fixed_points"))
        for r in doc.get("rules") or []
    ]
    return Program(
        enabled=bool(doc["enabled"]),
        point_value=Decimal(doc["point_value"]),
        earn_percent=Decimal(doc["earn_percent"]),
        expiry_days=int(doc["expiry_days"]),
        non_earning_methods=frozenset(doc.get("non_earning_methods") or []),
        receipt_branch_ids=tuple(doc.get("receipt_branch_ids") or []),
        rules={r.service_id: r for r in rules},
        promotion_rewards={
            str(r["rank_id"]): PromotionReward(
                str(r["rank_id"]), int(r["points"]), int(r["expiry_days"])
            )
            for r in doc.get("promotion_rewards") or []
        },
        # Versions written before reminders existed get the default.
        expiry_reminder_days=int(doc.get("expiry_reminder_days", DEFAULT_REMINDER_DAYS)),
    )


# The program as queries show it (the client card, `loyaltyProgram`): a few seconds.
_shown: Recent[Program] = Recent()


class Programs:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self.chain = Chain(db, PROGRAM, tenant)
        self._key = (db.name, tenant)

    def history(self) -> ProgramHistory:
        """The program behind the storage port, for `plumbing.storage.change`."""
        return ProgramHistory(self)

    async def versions(self, *, walk: bool = False) -> tuple[int, list[ProgramVersion]]:
        rev, doc = await self.chain.latest(PROGRAM_ID, walk=walk)
        return rev, versions_of(doc)

    async def current(self) -> Program:
        _, versions = await self.versions()
        return versions[-1].program if versions else Program()

    async def shown(self) -> Program:
        """The current program for queries: remembered for a few seconds
        (`plumbing.recent`); what decides points reads `current`."""
        return await _shown.get(self._key, self.current)

    async def append(self, rev: int, versions: Sequence[ProgramVersion]) -> None:
        try:
            await self.chain.append(PROGRAM_ID, rev + 1, versions_doc(versions))
        finally:
            _shown.drop(self._key)


def versions_doc(versions: Sequence[ProgramVersion]) -> Doc:
    return {"versions": [{"since": v.since, "program": _program_doc(v.program)} for v in versions]}


def versions_of(doc: Doc | None) -> list[ProgramVersion]:
    return [
        ProgramVersion(v["since"], _program(v["program"]))
        for v in (doc or {}).get("versions") or []
    ]


class ProgramHistory(Repository[list[ProgramVersion]]):
    """A tenant's program versions as the storage port sees them (one key, `PROGRAM_ID`).
    The first load trusts the head (one read less); later ones walk to the newest state,
    and a writer that trusted a lagging head gets Conflict on save and loads again."""

    def __init__(self, programs: Programs) -> None:
        self.programs = programs
        self._walk = False

    @property
    def tenant(self) -> str:
        return self.programs.chain.tenant

    @property
    def name(self) -> str:
        return PROGRAM

    async def load(self, key: str) -> Stored[list[ProgramVersion]]:
        walk, self._walk = self._walk, True
        rev, versions = await self.programs.versions(walk=walk)
        return Stored(self.tenant, key, rev, versions if rev else None)

    async def save(
        self,
        current: Stored[list[ProgramVersion]],
        state: list[ProgramVersion] | None,
        events: Sequence[Outgoing] = (),
    ) -> Stored[list[ProgramVersion]]:
        if state is None or events:
            raise ValueError("a program is never forgotten and publishes no events")
        await self.programs.append(current.version, state)
        return Stored(self.tenant, current.key, current.version + 1, list(state))

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Stored[list[ProgramVersion]]]:
        if where:
            raise ValueError("a program has no indexed fields")
        one = await self.load(PROGRAM_ID)
        return [one] if one.state is not None else []


class VersionsCodec:
    """The program's versions as one document (`MemoryStorage` in use-case tests)."""

    def dump(self, state: list[ProgramVersion]) -> Doc:
        return versions_doc(state)

    def load(self, doc: Doc) -> list[ProgramVersion]:
        return versions_of(doc)


# The program as plain port aggregates (use-case tests on `MemoryStorage`).
PROGRAM_VERSIONS: Aggregates[list[ProgramVersion]] = Aggregates(PROGRAM, VersionsCodec())
