"""N1/R10 templates a studio edits (with their placeholders checked when saved) and N4
messages staff send from the client card, delivered for real."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from notifications.sinks import received_mail, received_webhooks
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import (
    Graph,
    eventually,
)

from ..journeys import announce_card, notifications_card

TEMPLATES = (
    "{ notificationTemplates { key channel language subject body placeholders customized } }"
)
UPDATE = """
mutation($key: String!, $channel: Channel!, $language: String!, $subject: String, $body: String!) {
  updateNotificationTemplate(key: $key, channel: $channel, language: $language,
                             subject: $subject, body: $body) {
    template { key channel language subject body customized }
    userErrors { field message code }
  }
}
"""
SEND = """
mutation($id: ID!, $key: String!, $channel: Channel) {
  sendClientMessage(clientId: $id, templateKey: $key, channel: $channel) {
    accepted eventId userErrors { field message code }
  }
}
"""


async def new_client(
    owner: Graph, producer: AIOKafkaProducer, *, language: str = "es", phone: str | None = None
) -> tuple[str, str]:
    # Only the card's published facts: no other context needs to answer for it here.
    email = f"marco.{uuid.uuid4().hex[:10]}@example.com"
    client_id = uuid.uuid4().hex
    await announce_card(
        producer,
        owner.tenant,
        client_id,
        studio="Palestra Luna",
        language=language,
        first_name="Marco",
        last_name="Rossi",
        email=email,
        phone=phone,
    )

    async def channels() -> list[str]:
        found: list[str] = (await notifications_card(owner, client_id, "TRANSACTIONS"))[
            "messageChannels"
        ]
        return found

    await eventually(channels, timeout=30)
    return client_id, email


def code_of(body: dict[str, Any]) -> str:
    """The refusal's code: a payload's userError, or the operation's error (FORBIDDEN)."""
    if body.get("errors"):
        code: str = body["errors"][0]["extensions"]["code"]
        return code
    payload = body["data"]["updateNotificationTemplate"]
    assert payload["template"] is None, payload
    return str(payload["userErrors"][0]["code"])


async def test_every_template_has_defaults_in_three_languages(owner: Graph) -> None:
    templates = (await owner(TEMPLATES))["notificationTemplates"]
    keys = {t["key"] for t in templates}
    assert keys == {
        "rank_eligible_staff",
        "rank_eligible_client",
        "rank_promoted",
        "points_receipt",
        "payment_reminder",
        "booking_invitation",
        "points_balance",
        "points_expiring",
        "appointment_reminder",
    }
    # 8 client templates x 3 channels x 3 languages + the staff one x 3 languages.
    assert len(templates) == 8 * 3 * 3 + 3
    by_id = {(t["key"], t["channel"], t["language"]): t for t in templates}
    assert {lang for (k, _, lang) in by_id if k == "payment_reminder"} == {"es", "it", "en"}
    mail = by_id[("rank_eligible_client", "EMAIL", "it")]
    assert mail["subject"] == "{studio}: puoi passare a {next_rank}"
    assert "{rank_word}" in mail["body"] and mail["customized"] is False
    assert "{points}" in by_id[("points_balance", "SMS", "en")]["body"]
    assert by_id[("points_balance", "SMS", "en")]["subject"] is None
    assert "rank_word" in mail["placeholders"] and "invoice_number" not in mail["placeholders"]


async def test_saving_a_template_checks_its_placeholders(
    owner: Graph, tenant: str, graphs: Callable[..., Graph]
) -> None:
    base = {"key": "payment_reminder", "channel": "EMAIL", "language": "en", "subject": "Hi"}
    typo = await owner.raw(UPDATE, {**base, "body": "Dear {client_frist_name}, please pay."})
    assert code_of(typo) == "UNKNOWN_PLACEHOLDER"
    [error] = typo["data"]["updateNotificationTemplate"]["userErrors"]
    assert "{client_frist_name}" in error["message"] and error["field"] == ["body"]
    wrong_key = await owner.raw(UPDATE, {**base, "body": "{rank}"})  # not offered here
    assert code_of(wrong_key) == "UNKNOWN_PLACEHOLDER"
    braces = await owner.raw(UPDATE, {**base, "body": "Dear {client_first_name"})
    assert code_of(braces) == "BAD_TEMPLATE"
    attribute = await owner.raw(UPDATE, {**base, "body": "{studio.__class__}"})
    assert code_of(attribute) == "BAD_TEMPLATE"
    unknown = await owner.raw(UPDATE, {**base, "key": "welcome", "body": "Hi"})
    assert code_of(unknown) == "UNKNOWN_TEMPLATE"
    language = await owner.raw(UPDATE, {**base, "language": "fr", "body": "Salut"})
    assert code_of(language) == "BAD_LANGUAGE"
    sms_subject = await owner.raw(UPDATE, {**base, "channel": "SMS", "body": "Pay"})
    assert code_of(sms_subject) == "BAD_TEMPLATE"
    empty = await owner.raw(UPDATE, {**base, "body": "   "})
    assert code_of(empty) == "BAD_TEMPLATE"
    operator = graphs(tenant, "OPERATOR")
    assert code_of(await operator.raw(UPDATE, {**base, "body": "Pay"})) == "FORBIDDEN"

    saved = (
        await owner(
            UPDATE,
            {**base, "body": "Dear {client_first_name}, you hold $CLIPOINTS$ points. {{{studio}}}"},
        )
    )["updateNotificationTemplate"]["template"]
    assert saved["body"] == "Dear {client_first_name}, you hold {points} points. {{{studio}}}"
    assert saved["customized"] is True
    listed = [
        t
        for t in (await owner(TEMPLATES))["notificationTemplates"]
        if (t["key"], t["channel"], t["language"]) == ("payment_reminder", "EMAIL", "en")
    ]
    assert listed == [{**saved, "placeholders": listed[0]["placeholders"]}]


async def test_staff_send_a_reminder_from_the_card_in_the_studio_template(
    owner: Graph, tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    client_id, email = await new_client(owner, producer, language="en")
    await owner(
        UPDATE,
        {
            "key": "payment_reminder",
            "channel": "EMAIL",
            "language": "en",
            "subject": "{studio}: please settle up",
            "body": "Dear {client_first_name}, you hold {points} points ({points_value}).",
        },
    )
    await producer.send_and_wait(
        topics.LOYALTY,
        Envelope(
            type="loyalty.points_granted.v1",
            source="services/loyalty",
            tenant=tenant,
            subject=client_id,
            data={
                "client_id": client_id,
                "points": 30,
                "balance_after": 30,
                "value": "3.00",
                "currency": "EUR",
                "entry_id": "e-1",
                "at": "2026-11-23T10:00:00Z",
            },
        ).to_bytes(),
        key=f"{tenant}:{client_id}".encode(),
    )
    operator = graphs(tenant, "OPERATOR")  # daily staff work: allowed
    sent = (await operator(SEND, {"id": client_id, "key": "payment_reminder", "channel": "EMAIL"}))[
        "sendClientMessage"
    ]
    assert sent["accepted"] is True and sent["userErrors"] == [] and sent["eventId"]
    [mail] = await eventually(lambda: asyncio.to_thread(received_mail, email))
    assert mail["subject"] == "Palestra Luna: please settle up"
    # 30 points granted worth 3.00 EUR: a point is worth 0.10 EUR.
    assert mail["body"].strip() == "Dear Marco, you hold 30 points (3.00 EUR)."

    owner.accept_language = "en"  # the reason is read in the request's language

    async def records() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await notifications_card(owner, client_id, "TRANSACTIONS"))[
            "messages"
        ]
        return found

    # The mail server accepts before the record says SENT: wait for the record too.
    [record] = await eventually(records, until=lambda m: [r["status"] for r in m] == ["SENT"])
    assert (record["templateKey"], record["status"]) == ("payment_reminder", "SENT")


async def test_an_invitation_goes_by_sms_through_the_provider_webhook(
    owner: Graph, producer: AIOKafkaProducer
) -> None:
    phone = f"+3933{uuid.uuid4().int % 100_000_000:08d}"
    client_id, email = await new_client(owner, producer, language="it", phone=phone)
    sent = (await owner(SEND, {"id": client_id, "key": "booking_invitation", "channel": "SMS"}))[
        "sendClientMessage"
    ]
    assert sent["accepted"] is True
    [hook] = await eventually(lambda: asyncio.to_thread(received_webhooks, phone))
    assert hook["path"] == "/sms"
    assert hook["body"]["body"] == (
        "Palestra Luna: ti aspettiamo. Prenota il prossimo appuntamento dall'app."
    )
    assert hook["body"]["template_key"] == "booking_invitation"
    # Without a channel: the first one the client can be reached on (e-mail here).
    await owner(SEND, {"id": client_id, "key": "points_balance"})
    [mail] = await eventually(lambda: asyncio.to_thread(received_mail, email))
    assert mail["subject"] == "Palestra Luna: i tuoi punti"
    assert "hai 0 punti" in mail["body"]


async def test_what_cannot_be_sent_from_the_card(
    owner: Graph, tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    client_id, email = await new_client(owner, producer)
    unknown = (await owner(SEND, {"id": client_id, "key": "rank_eligible_client"}))[
        "sendClientMessage"
    ]
    assert unknown["accepted"] is False
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("UNKNOWN_TEMPLATE", ["templateKey"])
    ]
    nobody = (await owner(SEND, {"id": "no-such-client", "key": "payment_reminder"}))[
        "sendClientMessage"
    ]
    assert [e["code"] for e in nobody["userErrors"]] == ["CLIENT_NOT_FOUND"]
    client = graphs(tenant, "CLIENT", client_id=client_id)
    refused = await client.raw(SEND, {"id": client_id, "key": "payment_reminder"})
    assert code_of(refused) == "FORBIDDEN"
    # The client has no phone: an SMS is recorded as suppressed, with the reason.
    await owner(SEND, {"id": client_id, "key": "payment_reminder", "channel": "SMS"})
    owner.accept_language = "en"  # the reason is read in the request's language

    async def records() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await notifications_card(owner, client_id, "TRANSACTIONS"))[
            "messages"
        ]
        return found

    [record] = await eventually(records)
    assert (record["channel"], record["status"], record["reason"]) == (
        "SMS",
        "SUPPRESSED",
        "no phone number on file",
    )
    assert received_mail(email) == []


async def test_an_appointment_reminder_shows_the_points_balance_when_it_is_sent(
    owner: Graph, tenant: str, producer: AIOKafkaProducer
) -> None:
    """Seed 002: "Si recibe recordatorios de citas por App o SMS y tiene incluido en el
    texto de los mismos el código $CLIPOINTS$, también podrá visualizarlos"."""
    phone = f"+3460{uuid.uuid4().int % 10_000_000:07d}"
    client_id, _ = await new_client(owner, producer, language="es", phone=phone)
    saved = (
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
    )["updateNotificationTemplate"]
    assert saved["userErrors"] == []
    assert saved["template"]["body"] == "{studio}: te esperamos mañana. Tienes {points} puntos."
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
                "at": "2026-11-23T10:00:00Z",
            },
        ).to_bytes(),
        key=f"{tenant}:{client_id}".encode(),
    )

    async def balance() -> list[dict[str, Any]]:
        await owner(SEND, {"id": client_id, "key": "appointment_reminder", "channel": "SMS"})
        return await asyncio.to_thread(received_webhooks, phone)

    # The balance reaches notifications on its own topic: send until the reminder has it.
    hooks = await eventually(
        balance,
        until=lambda found: any("120 puntos" in h["body"]["body"] for h in found),
        timeout=30,
        interval=2.0,
    )
    [hook] = [h for h in hooks if "120" in h["body"]["body"]][:1]
    assert hook["body"]["body"] == "Palestra Luna: te esperamos mañana. Tienes 120 puntos."
    assert hook["body"]["template_key"] == "appointment_reminder"
