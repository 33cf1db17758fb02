"""L10, seed 002: "Si recibe recordatorios de citas por App o SMS y tiene incluido en el
texto de los mismos el código $CLIPOINTS$, también podrá visualizarlos". The studio's
booking system reports the session and the bookings on Kafka; notifications sends each
standing booking's reminder once, the studio's `hoursBefore` ahead, with the points the
client holds when it is written. Time is driven with the job trigger's `as_of`."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from notifications.sinks import received_webhooks
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import SERVICE_PORTS, Graph, eventually

from ..journeys import iso, run_job
from .test_notifications_templates import SEND, UPDATE, new_client

JOB = f"http://127.0.0.1:{SERVICE_PORTS['notifications']}/_dev/jobs/appointment_reminders"
SETTINGS = """
mutation($on: Boolean!, $h: Int!) {
  setAppointmentReminders(enabled: $on, hoursBefore: $h) {
    settings { enabled hoursBefore } userErrors { field code }
  }
}"""
READ = "{ appointmentReminderSettings { enabled hoursBefore } }"


def reminders_to(phone: str) -> list[dict[str, Any]]:
    return [
        h for h in received_webhooks(phone) if h["body"]["template_key"] == "appointment_reminder"
    ]


async def fact(producer: AIOKafkaProducer, tenant: str, type_: str, data: dict[str, Any]) -> None:
    envelope = Envelope(
        type=type_,
        source="partners/booking-test",
        tenant=tenant,
        subject=data.get("client_id"),
        data=data,
    )
    await producer.send_and_wait(
        topics.INGEST_BOOKINGS, envelope.to_bytes(), key=envelope.key.encode()
    )


async def test_a_booked_session_gets_its_reminder_once_with_the_points_of_the_moment(
    owner: Graph, tenant: str, producer: AIOKafkaProducer
) -> None:
    phone = f"+3461{uuid.uuid4().int % 10_000_000:07d}"
    client_id, _ = await new_client(owner, producer, language="es", phone=phone)
    assert (await owner(READ))["appointmentReminderSettings"] == {
        "enabled": True,
        "hoursBefore": 24,
    }  # on by default, a day ahead
    refused = (await owner(SETTINGS, {"on": True, "h": 0}))["setAppointmentReminders"]
    assert refused["userErrors"] == [{"field": ["hoursBefore"], "code": "BAD_HOURS"}]
    saved = (await owner(SETTINGS, {"on": True, "h": 24}))["setAppointmentReminders"]
    assert saved == {"settings": {"enabled": True, "hoursBefore": 24}, "userErrors": []}
    await owner(
        UPDATE,
        {
            "key": "appointment_reminder",
            "channel": "SMS",
            "language": "es",
            "subject": None,
            "body": "$CENTRO$: te esperamos mañana. Tienes $CLIPOINTS$ puntos.",
        },
    )

    now = datetime.now(UTC).replace(microsecond=0)
    starts = now + timedelta(days=3)
    session = f"S-{uuid.uuid4().hex[:8]}"
    await fact(
        producer,
        tenant,
        "ingest.session_scheduled.v1",
        {"session_id": session, "service_id": "yoga", "starts_at": iso(starts), "capacity": 8},
    )
    booking = {"client_id": client_id, "session_id": session, "occurred_at": iso(now)}
    await fact(producer, tenant, "ingest.booking_made.v1", {**booking, "booking_id": "B1"})
    await fact(producer, tenant, "ingest.booking_made.v1", {**booking, "booking_id": "B2"})
    await fact(producer, tenant, "ingest.booking_cancelled.v1", {**booking, "booking_id": "B2"})
    await producer.send_and_wait(
        topics.LOYALTY,
        Envelope(
            type="loyalty.points_earned.v1",
            source="services/loyalty",
            tenant=tenant,
            subject=client_id,
            data={
                "client_id": client_id,
                "points": 120,
                "balance_after": 120,
                "value": "12.00",
                "currency": "EUR",
                "entry_id": "e-1",
                "at": iso(now),
            },
        ).to_bytes(),
        key=f"{tenant}:{client_id}".encode(),
    )

    # The balance travels on loyalty's topic: asked for on the card until it has arrived.
    async def balance() -> list[dict[str, Any]]:
        await owner(SEND, {"id": client_id, "key": "points_balance", "channel": "SMS"})
        return await asyncio.to_thread(received_webhooks, phone)

    await eventually(
        balance,
        until=lambda found: any("120" in h["body"]["body"] for h in found),
        timeout=30,
        interval=2.0,
    )
    # 30 hours ahead: not due yet.
    assert (await run_job(owner, starts - timedelta(hours=30), JOB))["sent"] == 0

    # 23 hours ahead: B1's reminder, once the booking facts have reached notifications;
    # B2 was cancelled and gets none.
    async def reminders() -> list[dict[str, Any]]:
        await run_job(owner, starts - timedelta(hours=23), JOB)
        return await asyncio.to_thread(reminders_to, phone)

    [hook] = await eventually(reminders, until=lambda found: len(found) >= 1, timeout=60)
    assert hook["body"]["body"] == "Palestra Luna: te esperamos mañana. Tienes 120 puntos."
    # Once: a later run, or a run after the start, sends nothing more.
    assert (await run_job(owner, starts - timedelta(hours=1), JOB))["sent"] == 0
    assert (await run_job(owner, starts + timedelta(minutes=5), JOB))["sent"] == 0
    await asyncio.sleep(1)
    assert len(await asyncio.to_thread(reminders_to, phone)) == 1


async def test_a_studio_that_switched_reminders_off_sends_none(
    owner: Graph, tenant: str, producer: AIOKafkaProducer
) -> None:
    phone = f"+3462{uuid.uuid4().int % 10_000_000:07d}"
    client_id, _ = await new_client(owner, producer, language="it", phone=phone)
    off = (await owner(SETTINGS, {"on": False, "h": 24}))["setAppointmentReminders"]
    assert off["settings"] == {"enabled": False, "hoursBefore": 24}
    now = datetime.now(UTC).replace(microsecond=0)
    starts = now + timedelta(days=2)
    session = f"S-{uuid.uuid4().hex[:8]}"
    await fact(
        producer,
        tenant,
        "ingest.session_scheduled.v1",
        {"session_id": session, "service_id": "pilates", "starts_at": iso(starts), "capacity": 4},
    )
    await fact(
        producer,
        tenant,
        "ingest.booking_made.v1",
        {
            "booking_id": "B1",
            "client_id": client_id,
            "session_id": session,
            "occurred_at": iso(now),
        },
    )
    # Off: the job passes the studio by, whatever it holds.
    skipped = await run_job(owner, starts - timedelta(hours=2), JOB)
    assert (skipped["tenants"], skipped["sent"]) == (0, 0)
    # Switched on again with 3 hours: due at 2 hours ahead (Italian default text).
    await owner(SETTINGS, {"on": True, "h": 3})

    async def sent() -> list[dict[str, Any]]:
        await run_job(owner, starts - timedelta(hours=2), JOB)
        return await asyncio.to_thread(reminders_to, phone)

    [hook] = await eventually(sent, until=lambda found: len(found) >= 1, timeout=60)
    assert "ti ricordiamo il tuo prossimo appuntamento" in hook["body"]["body"]
