"""K3/K5 totals: what each client counts in (a fee valid, a balance, the app…), moved by
the difference when a fact changes it, and evaluated again for every client as time
passes (the daily job)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from crm.adapters.store import Store, update_by_id
from crm.adapters.studios import Studios
from crm.domain import rules


async def refresh_contributions(
    store: Store, client_id: str, today: date, event_id: str
) -> set[str]:
    """Move the totals by the difference between what the client counted in and what it
    counts in now; totals first (guarded by the event), then the client's own record.
    Returns what the client counts in now and did not before."""
    profile = await store.profile(client_id)
    if profile is None:
        return set()
    old = list(profile.get("contrib") or [])
    new = sorted(rules.contributions(profile, today))
    moves = rules.delta(old, new)
    if not moves:
        return set()
    await store.apply_once(
        store.periods,
        "totals",
        # "never": the periodic job re-evaluates it (time passing) at its next run.
        {"$inc": {f"c.{k}": v for k, v in moves.items()}, "$setOnInsert": {"as_of": "never"}},
        event_id,
    )
    await update_by_id(store.profiles, client_id, {"$set": {"contrib": new}})
    return set(new) - set(old)


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
