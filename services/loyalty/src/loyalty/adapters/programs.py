"""The points program (L1): its versions, newest last, as one aggregate per tenant behind
the storage port (`PROGRAM`; on FerretDB the chain `program_states` / `program_heads`
loyalty always kept, which loads as it is). A purchase earns by the version in force
when it was recorded, so every version is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from plumbing.config_cache import Recent
from plumbing.mongo import Doc
from plumbing.storage import Aggregates, Decision, Repository, change
from plumbing.storage import Loaded as Stored

from loyalty.domain.earning import (
    DEFAULT_REMINDER_DAYS,
    EarnRule,
    Program,
    ProgramVersion,
    PromotionReward,
)

PROGRAM_ID = "program"  # the one key of a tenant's program


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


def versions_doc(versions: Sequence[ProgramVersion]) -> Doc:
    return {"versions": [{"since": v.since, "program": _program_doc(v.program)} for v in versions]}


def versions_of(doc: Doc | None) -> list[ProgramVersion]:
    return [
        ProgramVersion(v["since"], _program(v["program"]))
        for v in (doc or {}).get("versions") or []
    ]


class VersionsCodec:
    """The program's versions as one document."""

    def dump(self, state: list[ProgramVersion]) -> Doc:
        return versions_doc(state)

    def load(self, doc: Doc) -> list[ProgramVersion]:
        return versions_of(doc)


PROGRAM_VERSIONS: Aggregates[list[ProgramVersion]] = Aggregates("program", VersionsCodec())

# The program as queries show it (the client card, `loyaltyProgram`): a few seconds.
_shown: Recent[Program] = Recent()

Edit = Callable[[Stored[list[ProgramVersion]]], Decision[list[ProgramVersion], Program]]


class Programs:
    """A tenant's program: its versions behind the port, and the current one as shown."""

    def __init__(self, versions: Repository[list[ProgramVersion]], place: str) -> None:
        self.repository = versions
        self._key = (place, versions.tenant)

    async def versions(self) -> list[ProgramVersion]:
        return (await self.repository.load(PROGRAM_ID)).state or []

    async def current(self) -> Program:
        versions = await self.versions()
        return versions[-1].program if versions else Program()

    async def shown(self) -> Program:
        """The current program for queries: remembered for a few seconds
        (`plumbing.config_cache`); what decides points reads `current`."""
        return await _shown.get(self._key, self.current)

    async def change(self, edit: Edit) -> Program:
        try:
            return (await change(self.repository, PROGRAM_ID, edit)).result
        finally:
            _shown.drop(self._key)
