"""A partner fixing its own data. The same fact reported again with other content is
either a correction the studio's systems apply or a conflict the partner is told about:

- a session (its time, capacity, service, professional or branch): applied. Its places
  offered move from where the first report put them to where the new one does, and so
  do the places its active bookings took (the session fact keeps them as `seats`), the
  booked clients of the day when the day changes, and the bookings' own time on the
  card;
- anything else (an invoice number with other lines or payments, a booking of another
  session…): a conflict, `FACT_CONFLICT`. The graph answers it in `userErrors`; from
  Kafka the message is parked with a reason that starts with the code.

A correction is computed from the fact as stored, so it gives the same result whether
the first report's effects were applied before it or after (the relay does not order
different facts): each document is moved once per event (`apply_once`), and the fact
itself is rewritten last, so a redelivery after a crash finishes what was left."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from zoneinfo import ZoneInfo

from plumbing.contracts import EventData
from plumbing.storage import Delta
from pydantic import ValidationError

from crm.domain import rules
from crm.events import PurchaseRefunded, SessionScheduled
from crm.service_layer.bookings import WAITLIST_SESSION
from crm.service_layer.ports import Doc
from crm.service_layer.profile_entries import moment, period_id
from crm.service_layer.projection import Projection

# What a correction of a session may change, and a booking takes from its session.
SESSION_FIELDS = (
    "starts_at", "capacity", "service_id", "service_name", "professional_id", "branch_id"
)  # fmt: skip
FROM_SESSION = ("starts_at", "service_id", "service_name", "professional_id", "branch_id")


# What a report may say differently and still be the same fact: a till that retries a
# refund stamps it with the time it sends it again.
NOT_COMPARED: dict[type[EventData], frozenset[str]] = {PurchaseRefunded: frozenset({"occurred_at"})}


def same_fact(data: EventData, found: Doc) -> bool:
    """Whether `data` says what the stored fact says. Only what the new report states is
    compared (a field it leaves out is not a change); times compare as instants and
    amounts as numbers, so `09:00Z` and `10:00+01:00` are the same time."""
    ignored = NOT_COMPARED.get(type(data), frozenset())
    stated = {
        k: v for k, v in data.model_dump(mode="json", exclude_none=True).items() if k not in ignored
    }
    merged = {**data.model_dump(mode="json"), **{k: found[k] for k in stated if k in found}}
    try:
        earlier = type(data).model_validate(merged)
    except ValidationError:
        return False
    return all(getattr(earlier, name) == getattr(data, name) for name in stated)


def _occupancy(
    moves: dict[str, dict[str, int]],
    session: Doc,
    zone: ZoneInfo,
    places: tuple[int, int],
    sign: int,
) -> None:
    """Add (sign 1) or take back (-1) a session's places offered and booked."""
    offered, booked = places
    at = rules.slot(moment(session["starts_at"]), zone)
    paths = rules.occupancy_paths(
        at.hour, session.get("service_id"), session.get("professional_id")
    )
    for scope in rules.scopes(session.get("branch_id")):
        day, month = period_id("D", scope, at.day), period_id("M", scope, at.month)
        for path in paths:
            for doc in (day, month):
                moves[doc][f"{path}.o"] += sign * offered
                moves[doc][f"{path}.b"] += sign * booked
        moves[month][f"{at.heat}.o"] += sign * offered
        moves[month][f"{at.heat}.b"] += sign * booked


async def session_corrected(p: Projection, data: SessionScheduled, found: Doc) -> None:
    after = data.model_dump(mode="json")
    seats = {rules.unsafe_key(b): str(c) for b, c in (found.get("seats") or {}).items()}
    moves: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    _occupancy(moves, found, p.zone, (int(found.get("capacity") or 0), len(seats)), -1)
    _occupancy(moves, after, p.zone, (data.capacity, len(seats)), +1)
    old_day = rules.slot(moment(found["starts_at"]), p.zone).day
    new_day = rules.slot(data.starts_at, p.zone).day
    moved_day = (old_day, found.get("branch_id")) != (new_day, data.branch_id)
    # The day's lists go where the session goes: booked, cancelled and waiting clients,
    # the app bookings; waiting entries with their session (`_waitlist_follows`).
    listed = {
        "booked": list(seats.values()),
        "canc": [str(c) for c in (found.get("cancels") or {}).values()],
        "wait": [str(c) for c in (found.get("waits") or {}).values()],
    }
    app = sum(1 for key in found.get("app_seats") or {} if rules.unsafe_key(key) in seats)
    if moved_day:
        for sign, day, branch in (
            (-1, old_day, found.get("branch_id")),
            (1, new_day, data.branch_id),
        ):
            for scope in rules.scopes(branch):
                doc = moves[period_id("D", scope, day)]
                for name, clients in listed.items():
                    for client in clients:
                        doc[f"{name}.{rules.safe_key(client)}"] += sign
                doc["app"] += sign * app
    guard = p.guard("correct")
    await asyncio.gather(
        *(
            p.views.periods.apply_once(doc_id, guard, Delta(inc=changed))
            for doc_id, inc in moves.items()
            if (changed := {path: n for path, n in inc.items() if n})
        )
    )
    await _bookings_follow(p, data, seats)
    await _waitlist_follows(p, data, found, (old_day, new_day))
    if moved_day:
        await _cancellations_follow(p, data, found, new_day)
    fields = {name: after.get(name) for name in SESSION_FIELDS}
    await p.views.facts.apply_once(
        f"session:{data.session_id}", guard, Delta(set={**fields, "corrected_by": p.event.id})
    )


async def _bookings_follow(p: Projection, data: SessionScheduled, seats: dict[str, str]) -> None:
    """The session's active bookings take its new time, service and professional."""
    values = data.model_dump(mode="json")
    taken = {name: values.get(name) for name in FROM_SESSION}
    per_client: dict[str, Doc] = defaultdict(dict)
    for booking_id, client_id in seats.items():
        key = rules.safe_key(booking_id)
        for name, value in taken.items():
            per_client[client_id][f"bookings.{key}.{name}"] = (
                data.starts_at if name == "starts_at" else value
            )
    guard = p.guard("correct")
    await asyncio.gather(
        *(
            p.views.facts.apply_once(f"booking:{booking_id}", guard, Delta(set=taken))
            for booking_id in seats
        ),
        *(
            p.views.profiles.apply_once(client_id, guard, Delta(set=changes))
            for client_id, changes in per_client.items()
        ),
    )


async def _waitlist_follows(
    p: Projection, data: SessionScheduled, found: Doc, days: tuple[str, str]
) -> None:
    """K2: the session's waitlist entries (`wle`) take its new time, service and
    professional; on another day they leave the old day's document for the new one (with
    the conversions they counted), and the profile says where they are (B9's erasure
    finds them there)."""
    waits = {str(k): str(c) for k, c in (found.get("waits") or {}).items()}
    if not waits:
        return
    old_day, new_day = days
    old_branch, new_branch = found.get("branch_id"), data.branch_id
    values = data.model_dump(mode="json")
    taken = {name: values.get(name) for name in WAITLIST_SESSION}
    old_ids = [period_id("D", scope, old_day) for scope in rules.scopes(old_branch)]
    stored = await p.views.periods.get_many(old_ids)
    entries: dict[str, Doc] = {}
    for doc in stored.values():
        for key in waits:
            entry = (doc.get("wle") or {}).get(key)
            if isinstance(entry, dict):
                entries.setdefault(key, entry)
    guard = p.guard("correct-wle")
    if (old_day, old_branch) == (new_day, new_branch):
        sets = {f"wle.{key}.{name}": value for key in entries for name, value in taken.items()}
        if sets:
            await p.periods([("D", new_day)], new_branch, Delta(set=sets), tag="correct-wle")
        return
    converted = sum(1 for entry in entries.values() if entry.get("converted"))
    gone = Delta(unset=tuple(f"wle.{key}" for key in entries), inc={"conv": -converted})
    arrived = Delta(
        set={f"wle.{key}": {**entry, **taken} for key, entry in entries.items()},
        inc={"conv": converted},
    )
    where = {"day": new_day, "branch_id": new_branch}
    await asyncio.gather(
        *(p.views.periods.apply_once(doc_id, guard, gone) for doc_id in old_ids),
        p.periods([("D", new_day)], new_branch, arrived, tag="correct-wle"),
        *(
            p.views.profiles.apply_once(client, guard, Delta(set={f"waits.{key}": where}))
            for key, client in waits.items()
        ),
    )


async def _cancellations_follow(
    p: Projection, data: SessionScheduled, found: Doc, new_day: str
) -> None:
    """The session's cancellations now count on its new day: each client's profile says
    so (`cancels[].day`, which B9's erasure reads)."""
    cancels = {rules.unsafe_key(str(k)): str(c) for k, c in (found.get("cancels") or {}).items()}
    guard = p.guard("correct-canc")
    for client in sorted(set(cancels.values())):
        profile = await p.views.profiles.get(client) or {}
        listed = list(profile.get("cancels") or [])
        if not any(c.get("booking_id") in cancels for c in listed):
            continue
        moved = [
            {**c, "day": new_day, "branch_id": data.branch_id}
            if c.get("booking_id") in cancels
            else c
            for c in listed
        ]
        await p.views.profiles.apply_once(client, guard, Delta(set={"cancels": moved}))
