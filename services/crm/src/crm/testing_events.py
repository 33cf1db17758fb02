"""Events for crm's use-case tests, built as producers build them (`catalog.envelope`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from plumbing import readers
from plumbing.contracts import EventData
from plumbing.envelope import Envelope

from crm.events import BookingMade, MembershipReported, SessionScheduled, catalog
from crm.service_layer import client_cards
from crm.service_layer.partner_facts import apply_fact
from crm.service_layer.ports import ReadModels
from crm.service_layer.projection import Projection
from crm.testing import MemoryCrm

TENANT = "studio-a"


def fact(data: EventData, subject: str | None = None) -> Envelope:
    return catalog.envelope(data, tenant=TENANT, subject=subject)


def card(client_id: str, birth_date: str | None = "1990-05-01") -> Envelope:
    data: dict[str, Any] = {
        "client_id": client_id,
        "first_name": "A",
        "last_name": client_id,
        "gender": "FEMALE",
        "birth_date": birth_date,
    }
    return Envelope(
        type=readers.CLIENT_CREATED, source="clients", tenant=TENANT, subject=client_id, data=data
    )


def session(session_id: str, starts_at: datetime, capacity: int = 10) -> Envelope:
    return fact(
        SessionScheduled(
            session_id=session_id, service_id="yoga", starts_at=starts_at, capacity=capacity
        )
    )


def booking(booking_id: str, client_id: str, session_id: str, at: datetime) -> Envelope:
    return fact(
        BookingMade(
            booking_id=booking_id, client_id=client_id, session_id=session_id, occurred_at=at
        ),
        client_id,
    )


def membership(client_id: str, valid_until: date, reported_at: datetime) -> Envelope:
    return fact(
        MembershipReported(
            membership_id=f"m-{client_id}",
            client_id=client_id,
            plan="monthly",
            status="ACTIVE",
            valid_from=date(2020, 1, 1),
            valid_until=valid_until,
            reported_at=reported_at,
        ),
        client_id,
    )


def projection(crm: MemoryCrm, event: Envelope) -> Projection:
    crm.clients.setdefault(event.tenant, set()).update(
        [str(event.data["client_id"])] if event.data.get("client_id") else []
    )
    return Projection(crm.views(event.tenant), event, crm.studio(event.tenant))


def views(crm: MemoryCrm) -> ReadModels:
    return crm.views(TENANT)


async def consume(crm: MemoryCrm, *events: Envelope) -> None:
    """What the consumer does with each event, one at a time."""
    for event in events:
        p = projection(crm, event)
        if event.type == readers.CLIENT_CREATED:
            data = readers.ClientCreatedRead.model_validate(event.data)
            await client_cards.client_created(p, data)
        elif event.type == readers.CLIENT_ERASED:
            await client_cards.client_erased(p, str(event.data["client_id"]))
        else:
            await apply_fact(p)
