"""K3/K5 totals: what each client counts in (a fee valid, a balance, the app…), moved by
the difference when a fact changes it, and evaluated again for every client as time
passes (the daily job)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from plumbing.storage import Delta
from plumbing.studio import StudioSettings

from crm.domain import rules
from crm.service_layer.ports import Doc, ReadModels

TOTALS = "totals"


def totals_moved(moves: Mapping[str, int]) -> Delta:
    # "never": the daily job evaluates a studio whose totals it has not seen at its next run.
    return Delta(inc={f"c.{k}": v for k, v in moves.items()}, set_on_insert={"as_of": "never"})


async def refresh_contributions(
    views: ReadModels, client_id: str, today: date, event_id: str
) -> set[str]:
    """Move the totals by the difference between what the client counted in and what it
    counts in now; totals first, then the client's own record, each once per event (a
    crash between them is repaired by the event's redelivery). Returns what the client
    counts in now and did not before."""
    profile = await views.profiles.get(client_id)
    if profile is None:
        return set()
    old = list(profile.get("contrib") or [])
    new = sorted(rules.contributions(profile, today))
    moves = rules.delta(old, new)
    if not moves:
        return set()
    await views.periods.apply_once(TOTALS, event_id, totals_moved(moves))
    await views.profiles.apply_once(client_id, f"{event_id}#contrib", Delta(set={"contrib": new}))
    return set(new) - set(old)


class Studios(Protocol):
    """What the daily job reads and writes across studios (`crm/adapters/studios.py`)."""

    async def stale(self, today: str) -> list[str]:
        """The studios whose totals were last evaluated another day than `today`."""

    async def studio(self, tenant: str) -> StudioSettings: ...

    def profiles(self, tenants: Sequence[str]) -> AsyncIterator[tuple[str, str, Doc]]:
        """Every client profile of these studios: (tenant, client id, profile)."""

    async def set_contributions(self, tenant: str, client_id: str, keys: list[str]) -> None: ...

    async def rewrite_totals(self, tenant: str, counts: Mapping[str, int], as_of: str) -> None: ...


async def recount(studios: Studios, tenant: str, now: datetime) -> dict[str, int]:
    """The daily job: time passes (fees end, credits expire, app use gets old, clients
    age), so every client's contributions are evaluated again and the totals rewritten."""
    return (await recount_many(studios, [tenant], now))[tenant]


async def recount_many(
    studios: Studios, tenants: Sequence[str], now: datetime
) -> dict[str, dict[str, int]]:
    """`recount` for several studios; how the profiles are read across studios is the
    adapter's (`crm/adapters/studios.py`: one pass for all on FerretDB)."""
    wanted = set(tenants)
    days = {t: (await studios.studio(t)).today(now) for t in wanted}
    totals: dict[str, dict[str, int]] = {t: {} for t in wanted}
    async for tenant, client_id, profile in studios.profiles(list(wanted)):
        new = sorted(rules.contributions(profile, days[tenant]))
        counts = totals[tenant]
        for key in new:
            counts[key] = counts.get(key, 0) + 1
        if new != list(profile.get("contrib") or []):
            await studios.set_contributions(tenant, client_id, new)
    for tenant in wanted:
        await studios.rewrite_totals(tenant, totals[tenant], days[tenant].isoformat())
    return totals
