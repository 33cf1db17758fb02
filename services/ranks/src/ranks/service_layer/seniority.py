"""Seniority (R5): what time alone has earned, for the clients whose next step asks for
days, found from the roster with one question per step instead of loading every
client."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from ranks.adapters.programs import EVERY_STUDIO, studios_with_program
from ranks.adapters.roster import Roster, Waiting
from ranks.adapters.tenant_storage import TenantStorage
from ranks.domain.categories import Category
from ranks.domain.model import days_between, step_after
from ranks.domain.program import Program
from ranks.service_layer.programs import current_program
from ranks.service_layer.rank_changes import reevaluate


def _began_before(days: int, now: datetime, zone: tzinfo) -> datetime:
    """The start of the studio's day `days - 1` days ago: a step begun before it has
    lasted `days` calendar days today (`days_between`)."""
    day = now.astimezone(zone).date() - timedelta(days=days - 1)
    return datetime.combine(day, time(0), tzinfo=zone)


def _steps(category: Category, now: datetime, zone: tzinfo) -> list[Waiting]:
    """Each (rank, stripes held) whose next step asks for days."""
    out: list[Waiting] = []
    for rank in category.ranks:
        for stripes in range(len(rank.stripes) + 1):
            step = step_after(category, rank.id, stripes)
            days = step.criteria.min_days_in_rank if step is not None else None
            if days is not None:
                out.append(Waiting(rank.id, stripes, _began_before(days, now, zone)))
    return out


async def seniority_due(
    roster: Roster, program: Program, now: datetime, zone: tzinfo
) -> Sequence[str]:
    """Clients whose next step (stripe or rank) asks for days and who may have reached
    them; those already announced are left out (the job has nothing left to say)."""
    due: set[str] = set()
    for category in program.categories:
        if category.archived:
            continue
        steps = _steps(category, now, zone)
        if not steps:
            continue
        for row in await roster.waiting(category.id, steps):
            step = step_after(category, row.rank_id, row.stripes)
            days = step.criteria.min_days_in_rank if step is not None else None
            if days is not None and days_between(row.step_from, now, zone) >= days:
                due.add(row.client_id)
    return sorted(due)


@dataclass
class SeniorityRun:
    tenants: int = 0
    checked: int = 0
    changed: int = 0


async def run_seniority(
    open_tenant: Callable[[str], TenantStorage], tenant: str | None, now: datetime
) -> SeniorityRun:
    """The job: for one studio, or every studio that turned its program on. Idempotent
    and safe in several replicas: each change goes through `plumbing.storage.change`,
    and an eligibility is announced once (the holding remembers it)."""
    if tenant is None:
        tenants = await studios_with_program(open_tenant(EVERY_STUDIO).studios)
    else:
        tenants = [tenant]
    run = SeniorityRun(tenants=len(tenants))
    for name in tenants:
        s = open_tenant(name)
        program = await current_program(s.programs)
        if not program.enabled:
            continue
        zone = (await s.settings()).zone
        for client_id in await seniority_due(s.roster, program, now, zone):
            run.checked += 1
            if await reevaluate(s.members, s.roster, program, client_id, now, zone):
                run.changed += 1
    return run
