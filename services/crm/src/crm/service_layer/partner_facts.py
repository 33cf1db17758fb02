"""K7 on the consumer side: a partner fact, checked as the graph checks it, claimed by
its natural key, then applied to the read models and the client's timeline.

A fact that cannot be used raises `Rejected` (the consumer parks it on the DLQ); one
that needs a fact not applied yet (its session, its booking, its sale, its client's
card) raises `Pending` before writing anything (the consumer tries it again later).
"""

from __future__ import annotations

import asyncio

from plumbing.contracts import EventData
from plumbing.event_handlers import Pending, Rejected
from plumbing.storage import Delta

from crm.events import (
    AppLoggedOut,
    AppSessionStarted,
    BookingCancelled,
    BookingMade,
    GiftCardReported,
    MembershipReported,
    NotificationBounced,
    PurchaseRecorded,
    PurchaseRefunded,
    SessionScheduled,
    VisitRecorded,
    WaitlistConverted,
    WaitlistJoined,
    catalog,
)
from crm.service_layer import app_use, bookings, purchases, studio_catalog
from crm.service_layer.corrections import FROM_SESSION, same_fact, session_corrected
from crm.service_layer.ingest import CONSUMER_WAITS_FOR, conflict_message, fact_key, problems_of
from crm.service_layer.ports import Doc
from crm.service_layer.projection import Projection


async def apply_fact(p: Projection) -> None:
    try:
        data = catalog.read(p.event)
    except Exception as exc:
        raise Rejected(str(exc)) from exc
    problems = await problems_of(p.views, data)
    if any(problem.code not in CONSUMER_WAITS_FOR for problem in problems):
        raise Rejected("; ".join(f"{x.code}: {x.message}" for x in problems))
    if problems:
        raise Pending("; ".join(x.message for x in problems), problems[0].code)
    body: Doc = {"type": p.event.type, **data.model_dump(mode="json")}
    if isinstance(data, BookingMade):
        session = await p.views.facts.get(f"session:{data.session_id}")
        assert session is not None
        body.update({name: session.get(name) for name in FROM_SESSION})
        body["status"] = "BOOKED"
    if isinstance(data, PurchaseRefunded) and not data.client_id:
        sale = await p.views.facts.get(f"sale:{data.invoice_number}")
        body["client_id"] = (sale or {}).get("client_id")
    key = fact_key(data)
    if isinstance(data, SessionScheduled):
        await studio_catalog.learn(p, data)
    if not await claim(p, key, body):
        found = await p.views.facts.get(key)
        if found is None or same_fact(data, found):
            return  # the same fact was already applied (reported twice)
        if isinstance(data, SessionScheduled):
            await session_corrected(p, data, found)
            return
        raise Rejected(f"FACT_CONFLICT: {conflict_message(key, found)}")
    await asyncio.gather(effects(p, data, body), p.timeline(body.get("client_id")))


async def claim(p: Projection, key: str, body: Doc) -> bool:
    """Whether this event owns the fact `key` (first to claim it, or its own replay)."""
    facts = p.views.facts
    if key not in await facts.claim_new({key: (p.event.id, body)}):
        return True
    found = await facts.get(key)
    if found is None or found.get("event_id") != p.event.id:
        return False
    # Recorded through the graph, the fact lacks what the consumer derives (a booking's
    # session time and branch); its own state is kept.
    missing = {k: v for k, v in body.items() if k != "status" and k not in found}
    if missing:
        await facts.apply_once(key, p.guard("derived"), Delta(set=missing))
    return True


async def effects(p: Projection, data: EventData, body: Doc) -> None:
    match data:
        case SessionScheduled():
            await bookings.session_scheduled(p, data)
        case BookingMade():
            await bookings.booking_made(p, data, body)
        case BookingCancelled():
            await bookings.booking_cancelled(p, data)
        case WaitlistJoined():
            await bookings.waitlist_joined(p, data)
        case WaitlistConverted():
            await bookings.waitlist_converted(p, data)
        case VisitRecorded():
            pass  # kept as a fact and on the timeline; ranks and loyalty count visits
        case PurchaseRecorded():
            await purchases.purchase(p, data)
        case PurchaseRefunded():
            await purchases.refund(p, data, body.get("client_id"))
        case MembershipReported():
            await purchases.reported(p, "memberships", data.membership_id, data.client_id, data)
        case GiftCardReported():
            await purchases.reported(p, "gift_cards", data.gift_card_id, data.client_id, data)
        case AppSessionStarted():
            await app_use.app_session(p, data)
        case AppLoggedOut():
            await app_use.app_out(p, data.client_id, data.occurred_at, "LOGGED_OUT")
        case NotificationBounced():
            if data.reason.upper() == "APP_UNINSTALLED":
                await app_use.app_out(p, data.client_id, data.occurred_at, "APP_UNINSTALLED")
