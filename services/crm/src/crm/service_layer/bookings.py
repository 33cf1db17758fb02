"""K1/K2/K3 from sessions, bookings, cancellations and waitlists: occupancy per hour,
the day's lists, re-bookings within 7 days, and "booked with a balance"."""

from __future__ import annotations

import asyncio

from plumbing.storage import Delta

from crm.domain import rules
from crm.events import (
    BookingCancelled,
    BookingMade,
    SessionScheduled,
    WaitlistConverted,
    WaitlistJoined,
)
from crm.service_layer.ports import Doc
from crm.service_layer.profile_entries import booking_entry, moment, period_id, seat_of
from crm.service_layer.projection import Projection


async def session_scheduled(p: Projection, data: SessionScheduled) -> None:
    at = rules.slot(data.starts_at, p.zone)
    paths = rules.occupancy_paths(at.hour, data.service_id, data.professional_id)
    offered = {f"{path}.o": data.capacity for path in paths}
    await asyncio.gather(
        p.periods([("D", at.day)], data.branch_id, Delta(inc=offered)),
        p.periods(
            [("M", at.month)],
            data.branch_id,
            Delta(inc={**offered, f"{at.heat}.o": data.capacity}),
        ),
    )


async def booking_made(p: Projection, data: BookingMade, body: Doc) -> None:
    starts = moment(body["starts_at"])
    at = rules.slot(starts, p.zone)
    branch = body.get("branch_id")
    paths = rules.occupancy_paths(at.hour, body.get("service_id"), body.get("professional_id"))
    cid = rules.safe_key(data.client_id)
    day_inc: dict[str, int] = {f"{path}.b": 1 for path in paths}
    day_inc[f"booked.{cid}"] = 1
    if data.from_app:
        day_inc["app"] = 1
    month_inc = {**{f"{path}.b": 1 for path in paths}, f"{at.heat}.b": 1}
    # The session keeps its active bookings (`seats`), for a correction to move them.
    seat = Delta(set=seat_of(data))
    profile, *_ = await asyncio.gather(
        p.views.profiles.get(data.client_id),
        p.periods([("M", at.month)], branch, Delta(inc=month_inc)),
        p.periods([("D", at.day)], branch, Delta(inc=day_inc)),
        p.views.facts.apply_once(f"session:{data.session_id}", p.guard("seat"), seat),
    )
    profile = profile or {}
    if "balance" in (profile.get("contrib") or []):
        await asyncio.gather(
            *(
                p.balance_booked(period_id(kind, scope, key), cid)
                for scope in rules.scopes(branch)
                for kind, key in (("D", at.day), ("M", at.month))
            )
        )
    cancelled = await p.views.facts.get(f"cancel:{data.booking_id}") is not None
    booking = booking_entry(data, body, cancelled=cancelled)
    changes: Doc = {f"bookings.{rules.safe_key(data.booking_id)}": booking}
    recovered = rules.rebooked_cancellation(
        [{**c, "at": moment(c["at"])} for c in profile.get("cancels") or []],
        booking_id=data.booking_id,
        balance_kind=data.balance_kind,
        at=data.occurred_at,
    )
    if recovered is not None:
        booking["recovers"] = recovered["booking_id"]
        changes["cancels"] = [
            {**c, "rebooked_by": data.booking_id}
            if c["booking_id"] == recovered["booking_id"]
            else c
            for c in profile.get("cancels") or []
        ]
        await p.periods(
            [("D", recovered["day"])],
            recovered.get("branch_id"),
            Delta(inc={"rebooked": 1}),
            tag="rebook",
        )
    await p.profile_update(data.client_id, Delta(set=changes))


async def booking_cancelled(p: Projection, data: BookingCancelled) -> None:
    booking = await p.views.facts.get(f"booking:{data.booking_id}")
    assert booking is not None
    if booking.get("status") == "CANCELLED":
        return
    if "starts_at" not in booking:
        # Recorded through the graph and its booking_made not applied yet (the relay
        # does not order different facts): the session tells where it belongs.
        session = await p.views.facts.get(f"session:{data.session_id}") or {}
        for name in ("starts_at", "service_id", "professional_id", "branch_id"):
            booking[name] = session.get(name)
    at = rules.slot(moment(booking["starts_at"]), p.zone)
    branch = booking.get("branch_id")
    paths = rules.occupancy_paths(
        at.hour, booking.get("service_id"), booking.get("professional_id")
    )
    cid = rules.safe_key(data.client_id)
    day_inc: dict[str, int] = {f"{path}.b": -1 for path in paths}
    day_inc[f"booked.{cid}"] = -1
    day_inc[f"canc.{cid}"] = 1
    if booking.get("from_app"):
        day_inc["app"] = -1
    month_inc = {**{f"{path}.b": -1 for path in paths}, f"{at.heat}.b": -1}
    # The session keeps its cancellations too: a correction moves them with it.
    key = rules.safe_key(data.booking_id)
    seat = Delta(unset=(f"seats.{key}", f"app_seats.{key}"), set={f"cancels.{key}": data.client_id})
    await asyncio.gather(
        p.periods([("M", at.month)], branch, Delta(inc=month_inc)),
        p.periods([("D", at.day)], branch, Delta(inc=day_inc)),
        p.views.facts.apply_once(f"session:{data.session_id}", p.guard("seat"), seat),
    )
    kind: str | None = data.balance_kind or booking.get("balance_kind")
    cancel = {
        "booking_id": data.booking_id,
        "balance_kind": kind,
        "at": data.occurred_at,
        "day": at.day,
        "branch_id": branch,
    }
    profile = await p.views.profiles.get(data.client_id) or {}
    bookings = {
        k: {**v, "made_at": moment(v["made_at"]) if v.get("made_at") else None}
        for k, v in (profile.get("bookings") or {}).items()
    }
    recovering = rules.booking_recovering(
        bookings,
        booking_id=rules.safe_key(data.booking_id),
        balance_kind=kind,
        at=data.occurred_at,
    )
    changes: Doc = {f"bookings.{rules.safe_key(data.booking_id)}.status": "CANCELLED"}
    if recovering is not None:
        # The booking that recovers it arrived first.
        cancel["rebooked_by"] = rules.unsafe_key(recovering)
        changes[f"bookings.{recovering}.recovers"] = data.booking_id
        await p.periods([("D", at.day)], branch, Delta(inc={"rebooked": 1}), tag="rebook")
    await p.profile_update(data.client_id, Delta(set=changes, append={"cancels": ([cancel], 30)}))
    await p.views.facts.apply_once(
        f"booking:{data.booking_id}", p.guard("cancelled"), Delta(set={"status": "CANCELLED"})
    )


# K2: what a waitlist entry keeps of its session, so that the day's list leads to it.
WAITLIST_SESSION = ("starts_at", "service_id", "service_name", "professional_id", "branch_id")


async def waitlist_joined(p: Projection, data: WaitlistJoined) -> None:
    """K2: the client counts on the day's waitlist, and the entry names its session."""
    session, converted = await asyncio.gather(
        p.views.facts.get(f"session:{data.session_id}"),
        p.views.facts.get(f"convert:{data.entry_id}"),
    )
    assert session is not None
    entry: Doc = {
        "client_id": data.client_id,
        "session_id": data.session_id,
        **{name: session.get(name) for name in WAITLIST_SESSION},
        "joined_at": data.occurred_at.isoformat(),
        "converted": converted is not None,
    }
    delta = Delta(
        inc={f"wait.{rules.safe_key(data.client_id)}": 1},
        set={f"wle.{rules.safe_key(data.entry_id)}": entry},
    )
    at = rules.slot(moment(session["starts_at"]), p.zone)
    # Which day lists hold the client, for erasure (B9).
    where = {"day": at.day, "branch_id": session.get("branch_id")}
    # The session keeps its waitlist (`waits`): a correction moves it with it.
    wait = Delta(set={f"waits.{rules.safe_key(data.entry_id)}": data.client_id})
    await asyncio.gather(
        _on_session_day(p, session, delta),
        p.views.facts.apply_once(f"session:{data.session_id}", p.guard("wait"), wait),
        p.profile_update(
            data.client_id, Delta(set={f"waits.{rules.safe_key(data.entry_id)}": where})
        ),
    )


async def waitlist_converted(p: Projection, data: WaitlistConverted) -> None:
    session = await p.views.facts.get(f"session:{data.session_id}")
    assert session is not None
    # An entry whose join is applied later is written whole then, already converted
    # (`waitlist_joined` finds this fact); until then the list skips the partial entry.
    converted = {f"wle.{rules.safe_key(data.entry_id)}.converted": True}
    await _on_session_day(p, session, Delta(inc={"conv": 1}, set=converted))


async def _on_session_day(p: Projection, session: Doc, delta: Delta) -> None:
    at = rules.slot(moment(session["starts_at"]), p.zone)
    await p.periods([("D", at.day)], session.get("branch_id"), delta)
