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
    if (old_day, found.get("branch_id")) != (new_day, data.branch_id):
        for client in seats.values():
            cid = rules.safe_key(client)
            for scope in rules.scopes(found.get("branch_id")):
                moves[period_id("D", scope, old_day)][f"booked.{cid}"] -= 1
            for scope in rules.scopes(data.branch_id):
                moves[period_id("D", scope, new_day)][f"booked.{cid}"] += 1
    guard = p.guard("correct")
    await asyncio.gather(
        *(
            p.views.periods.apply_once(doc_id, guard, Delta(inc=changed))
            for doc_id, inc in moves.items()
            if (changed := {path: n for path, n in inc.items() if n})
        )
    )
    await _bookings_follow(p, data, seats)
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
