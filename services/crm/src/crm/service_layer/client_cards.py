"""The clients context's cards as crm keeps them: the profile's name, gender, birth date
and status, the K5 demographics in the totals, the day's birthdays (K2), and erasure."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import date
from typing import Any

from plumbing.storage import Delta

from crm.domain import rules
from crm.service_layer.erasure import anonymise_days, drop_marks
from crm.service_layer.ports import Doc
from crm.service_layer.projection import Projection
from crm.service_layer.totals import TOTALS, totals_moved

CARD_FIELDS = ("first_name", "last_name", "gender", "birth_date", "status")


async def client_created(p: Projection, data: Any) -> None:
    fields: Doc = {
        "client_id": data.client_id,
        "first_name": data.first_name,
        "last_name": data.last_name,
        "gender": data.gender,
        "birth_date": data.birth_date.isoformat() if data.birth_date else None,
        "status": data.status,
    }
    # A new card counts in its demographic buckets at once: one write for the profile,
    # then the totals, the birthday list and the timeline side by side. The profile
    # remembers the event that created it, so a redelivery after a crash still counts
    # it once in the totals (guarded by the same event there).
    contrib = sorted(rules.contributions(fields, p.today))
    before = await p.views.profiles.get(data.client_id)
    applied = await p.profile_update(
        data.client_id,
        Delta(set_on_insert={**fields, "contrib": contrib, "created_by": p.event.id}),
    )
    created = (applied and before is None) or (
        before is not None and before.get("created_by") == p.event.id
    )
    steps: list[Awaitable[Any]] = [p.timeline(data.client_id)]
    if created:
        steps.append(
            p.views.periods.apply_once(TOTALS, p.guard(), totals_moved(dict.fromkeys(contrib, 1)))
        )
    if data.birth_date:
        steps.append(birthday(p, data.client_id, data.birth_date, born=True))
    await asyncio.gather(*steps)


async def birthday(p: Projection, client_id: str, birth: date, *, born: bool) -> None:
    """The client in (or out of) the list of those born on that month-day."""
    path = f"clients.{rules.safe_key(client_id)}"
    delta = Delta(set={path: 1}) if born else Delta(unset=(path,))
    await p.views.periods.apply_once(
        f"bday~{birth.strftime('%m-%d')}", p.guard("bday+" if born else "bday-"), delta
    )


async def client_updated(p: Projection, client_id: str, changes: dict[str, Any]) -> None:
    profile = await p.views.profiles.get(client_id)
    if profile is None:
        return
    fields = {k: v for k, v in changes.items() if k in CARD_FIELDS}
    if not fields:
        return
    if "birth_date" in fields:
        old, new = profile.get("birth_date"), fields["birth_date"]
        if old:
            await birthday(p, client_id, date.fromisoformat(str(old)[:10]), born=False)
        if new:
            await birthday(p, client_id, date.fromisoformat(str(new)[:10]), born=True)
    await p.profile_update(client_id, Delta(set=fields))
    await p.refresh(client_id)


async def client_erased(p: Projection, client_id: str) -> None:
    """Erasure: the client leaves the totals and the birthdays, and the day's lists keep
    their counts without the client's id (`erasure`, B9); the profile and the timeline
    (pages included) are deleted."""
    profile = await p.views.profiles.get(client_id)
    if profile is None:
        return
    moves = {k: -1 for k in profile.get("contrib") or []}
    if moves:
        await p.views.periods.apply_once(TOTALS, p.guard(), totals_moved(moves))
    if profile.get("birth_date"):
        born = date.fromisoformat(str(profile["birth_date"])[:10])
        await birthday(p, client_id, born, born=False)
    await anonymise_days(p, client_id, profile)
    await drop_marks(p, client_id, profile)
    await p.views.profiles.delete(client_id)
    await p.views.timelines.erase(client_id)
