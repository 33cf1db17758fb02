"""B9: erasure that keeps the books. An erased client leaves the day's lists (booked,
waitlist, cancelled, unpaid) and their waitlist entries lose the client's id, but each
list's count stays: the day document counts them under `anon.<list>` instead. The
profile, the timeline and the birthday go (`client_cards.client_erased`); the hourly
occupancy, the month's counters and the K3/K5 totals hold no client ids and keep their
sums (the totals lose the client's contributions, as they are "as of today"). The marks
that counted the client once in a period (`bwb~…`, `appact~…`) go too: the counts they
guarded stay, and no mark keeps the id of a card that no longer exists."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from plumbing.storage import Delta

from crm.domain import rules
from crm.service_layer.ports import Doc, ReadModels
from crm.service_layer.profile_entries import balance_booked_mark, moment, period_id
from crm.service_layer.projection import Projection
from crm.service_layer.purchases import UNPAID

LISTS = ("booked", "wait", "canc")


def listed_days(profile: Doc, zone: ZoneInfo) -> set[tuple[str, str | None]]:
    """The (day, branch) of every day list the client may be on: their bookings' days,
    their cancellations' days and their waitlist entries' days."""
    days: set[tuple[str, str | None]] = set()
    for booking in (profile.get("bookings") or {}).values():
        if booking.get("starts_at"):
            at = rules.slot(moment(booking["starts_at"]), zone)
            days.add((at.day, booking.get("branch_id")))
    for cancel in profile.get("cancels") or []:
        if cancel.get("day"):
            days.add((str(cancel["day"]), cancel.get("branch_id")))
    for wait in (profile.get("waits") or {}).values():
        days.add((str(wait["day"]), wait.get("branch_id")))
    return days


def anonymised(day_doc: Doc, client_id: str, unpaid: bool) -> Delta | None:
    """What erasing `client_id` changes in one day document (None: nothing)."""
    cid = rules.safe_key(client_id)
    unset: list[str] = []
    inc: dict[str, int] = {}
    for name in LISTS:
        if int((day_doc.get(name) or {}).get(cid) or 0) > 0:
            inc[f"anon.{name}"] = 1
        if cid in (day_doc.get(name) or {}):
            unset.append(f"{name}.{cid}")
    if unpaid and "anon.booked" in inc:
        inc["anon.unpaid"] = 1
    sets = {
        f"wle.{key}.client_id": None
        for key, entry in (day_doc.get("wle") or {}).items()
        if isinstance(entry, dict) and entry.get("client_id") == client_id
    }
    if not (unset or inc or sets):
        return None
    return Delta(set=sets, inc=inc, unset=tuple(unset))


async def anonymise_days(p: Projection, client_id: str, profile: Doc) -> None:
    cid = rules.safe_key(client_id)
    unpaid_doc = await p.views.periods.get(UNPAID) or {}
    unpaid = int((unpaid_doc.get("clients") or {}).get(cid) or 0) > 0
    ids = sorted(
        {
            period_id("D", scope, day)
            for day, branch in listed_days(profile, p.zone)
            for scope in rules.scopes(branch)
        }
    )
    docs = await p.views.periods.get_many(ids)

    async def one(doc_id: str) -> None:
        delta = anonymised(docs.get(doc_id) or {}, client_id, unpaid)
        if delta is not None:
            await p.views.periods.apply_once(doc_id, p.guard("erase"), delta)

    await asyncio.gather(*(one(doc_id) for doc_id in ids))
    if cid in (unpaid_doc.get("clients") or {}):
        await p.views.periods.apply_once(UNPAID, p.guard("erase"), Delta(unset=(f"clients.{cid}",)))


APP_SESSION = "ingest.app_session_started.v1"


async def client_marks(views: ReadModels, client_id: str, profile: Doc, zone: ZoneInfo) -> set[str]:
    """Every "counted once in a period" mark that may name the client: K3's booked with a
    balance (`bwb`, for each day and month of their bookings, in each scope) and the app
    users of the day and month (`appact`, for each app session on their timeline).
    Deleting a mark that was never claimed costs nothing."""
    cid = rules.safe_key(client_id)
    marks: set[str] = set()
    for day, branch in listed_days(profile, zone):
        for scope in rules.scopes(branch):
            for period in (period_id("D", scope, day), period_id("M", scope, day[:7])):
                marks.add(balance_booked_mark(period, cid))
    for entry in await views.timelines.every(client_id):
        when = (entry.get("data") or {}).get("occurred_at")
        if entry.get("type") == APP_SESSION and when:
            at = rules.slot(moment(when), zone)
            marks.update((f"appact~D~{at.day}~{cid}", f"appact~M~{at.month}~{cid}"))
    return marks


async def drop_marks(p: Projection, client_id: str, profile: Doc) -> None:
    """B9: the erased client's marks go; the counts they guarded stay. Before the
    timeline is erased (it tells the app sessions)."""
    marks = await client_marks(p.views, client_id, profile, p.zone)
    await asyncio.gather(*(p.views.marks.delete(name) for name in sorted(marks)))
