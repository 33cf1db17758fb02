"""N2/N3/R6/L10: what reaches staff and clients when ranks and loyalty say so, delivered
for real (SMTP sink, webhook sink), honouring preferences, at most once per event.

Until every producer is live these tests publish the ranks and loyalty facts straight onto
Kafka in the documented envelope (docs/events/*.json), as any producer would.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from notifications.sinks import received_mail, received_webhooks
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import (
    Graph,
    eventually,
)

from ..journeys import announce_card, notifications_card, publish

INBOX = """
query($unread: Boolean) {
  staffNotifications(unreadOnly: $unread) { id kind message read at client { id } }
}
"""
CREATE = """
mutation($input: ClientInput!) {
  createClient(input: $input) { client { id } userErrors { code message } }
}
"""


def app_fact(tenant: str, client_id: str, kind: str, at: datetime) -> Envelope:
    data: dict[str, Any] = {"client_id": client_id, "occurred_at": at.isoformat()}
    if kind == "app_session_started":
        data["platform"] = "IOS"
    return Envelope(
        type=f"ingest.{kind}.v1", source="partner/app", tenant=tenant, subject=client_id, data=data
    )


def eligible(
    tenant: str,
    client_id: str,
    *,
    roles: list[str],
    notify_client: bool = True,
    terminology: str = "BELTS",
    category: str = "Karate",
    rank: str = "Cinturón blanco",
    next_rank: str = "Cinturón amarillo",
) -> Envelope:
    return Envelope(
        type="ranks.client_eligible.v1",
        source="services/ranks",
        tenant=tenant,
        subject=client_id,
        data={
            "client_id": client_id,
            "category_id": "cat-karate",
            "category_name": category,
            "rank_id": "r-white",
            "rank_name": rank,
            "next_rank_id": "r-yellow",
            "next_rank_name": next_rank,
            "terminology": terminology,
            "notify_roles": roles,
            "notify_client": notify_client,
            "visits_in_rank": 10,
            "days_in_rank": 40,
        },
    )


async def studio_and_client(
    owner: Graph,
    producer: AIOKafkaProducer,
    *,
    language: str,
    phone: str | None = None,
    real: bool = False,
) -> tuple[str, str]:
    """A client card known to this context. `real`: created through the graph (the
    clients context has it too); otherwise only its published facts exist."""
    email = f"ana.{uuid.uuid4().hex[:10]}@example.com"
    client_id = uuid.uuid4().hex
    if real:
        created = await owner(
            CREATE,
            {"input": {"firstName": "Ana", "lastName": "López", "email": email, "phone": phone}},
        )
        assert created["createClient"]["userErrors"] == []
        client_id = created["createClient"]["client"]["id"]
    await announce_card(
        producer,
        owner.tenant,
        client_id,
        studio="Dojo Sakura",
        language=language,
        first_name="Ana",
        last_name="López",
        email=email,
        phone=phone,
    )

    async def known() -> list[str]:
        channels: list[str] = (await notifications_card(owner, client_id))["messageChannels"]
        return channels

    # The card reached this context (and the studio's language with it).
    await eventually(known, timeout=30)
    return client_id, email


async def inbox(graph: Graph, unread: bool = True) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await graph(INBOX, {"unread": unread}))["staffNotifications"]
    return items


async def messages_of(owner: Graph, client_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await notifications_card(owner, client_id))["messages"]
    return found


async def test_eligibility_reaches_each_chosen_role_once_and_mails_the_client_once(
    owner: Graph, tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    client_id, email = await studio_and_client(owner, producer, language="es")
    operator = graphs(tenant, "OPERATOR", subject="op-1")
    admin = graphs(tenant, "ADMIN", subject="admin-1")
    event = eligible(tenant, client_id, roles=["OWNER", "OPERATOR"])
    await publish(producer, topics.RANKS, event)

    [for_owner] = await eventually(lambda: inbox(owner))
    expected = (
        "Ana López cumple los requisitos para el próximo cinturón en Karate: "
        "Cinturón amarillo (actual: Cinturón blanco)."
    )
    assert (for_owner["kind"], for_owner["message"], for_owner["read"]) == (
        "RANK_ELIGIBLE",
        expected,
        False,
    )
    assert for_owner["client"] == {"id": client_id}
    [for_operator] = await eventually(lambda: inbox(operator))
    assert for_operator["message"] == expected

    [mail] = await eventually(lambda: asyncio.to_thread(received_mail, email))
    assert mail["subject"] == "Dojo Sakura: ya puedes optar a Cinturón amarillo"
    assert "Hola Ana:" in mail["body"]
    assert "para tu próximo cinturón: Cinturón amarillo" in mail["body"]
    # The mail server accepts before the record says SENT: wait for the record too.
    [sent] = await eventually(
        lambda: messages_of(owner, client_id),
        until=lambda m: [r["status"] for r in m] == ["SENT"],
    )
    assert (sent["templateKey"], sent["channel"], sent["status"], sent["language"]) == (
        "rank_eligible_client",
        "EMAIL",
        "SENT",
        "es",
    )

    # The same event again (a replay), then a new fact behind it on the same partition:
    # once the new fact is visible, the replay has been handled — and did nothing.
    await publish(producer, topics.RANKS, event)
    marker = eligible(tenant, client_id, roles=["ADMIN"], notify_client=False)
    await publish(producer, topics.RANKS, marker)
    await eventually(lambda: inbox(admin))
    assert len(await inbox(owner)) == 1
    assert len(await inbox(operator)) == 1
    assert len(received_mail(email)) == 1
    assert len(await messages_of(owner, client_id)) == 1
    # ADMIN was not among the roles of the first event, OWNER not among the marker's.
    [for_admin] = await inbox(admin)
    assert for_admin["message"] == expected


@pytest.mark.parametrize(
    ("language", "terminology", "subject", "phrase"),
    [
        (
            "it",
            "CHALLENGES",
            "Dojo Sakura: puoi passare a Livello 2",
            "passaggio di sfida: Livello 2",
        ),
        ("en", "RANKINGS", "Dojo Sakura: you are ready for Livello 2", "next rank: Livello 2"),
    ],
)
async def test_the_client_message_follows_the_studio_language_and_terminology(
    owner: Graph,
    tenant: str,
    producer: AIOKafkaProducer,
    language: str,
    terminology: str,
    subject: str,
    phrase: str,
) -> None:
    client_id, email = await studio_and_client(owner, producer, language=language)
    await publish(
        producer,
        topics.RANKS,
        eligible(
            tenant,
            client_id,
            roles=["OWNER"],
            terminology=terminology,
            rank="Livello 1",
            next_rank="Livello 2",
        ),
    )
    [mail] = await eventually(lambda: asyncio.to_thread(received_mail, email))
    assert mail["subject"] == subject
    assert phrase in mail["body"]


async def test_email_switched_off_means_no_email_and_a_suppression_record(
    owner: Graph, tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    client_id, email = await studio_and_client(owner, producer, language="es")
    # C8 as the clients context publishes it (clients.preferences_changed.v1).
    switched_off = Envelope(
        type="clients.preferences_changed.v1",
        source="services/clients",
        tenant=tenant,
        subject=client_id,
        data={
            "client_id": client_id,
            "category": "SERVICE",
            "channel": "EMAIL",
            "enabled": False,
            "changed_at": datetime.now(UTC).isoformat(),
        },
    )
    # An older change arriving late must not switch it back on (newest wins).
    stale = Envelope(
        type="clients.preferences_changed.v1",
        source="services/clients",
        tenant=tenant,
        subject=client_id,
        data={**switched_off.data, "enabled": True, "changed_at": "2020-01-01T00:00:00Z"},
    )
    await publish(producer, topics.CLIENTS, switched_off)
    await publish(producer, topics.CLIENTS, stale)

    async def channels() -> list[str]:
        found: list[str] = (await notifications_card(owner, client_id))["messageChannels"]
        return found

    # No phone on the card either, and no app: nothing is left for SERVICE messages.
    await eventually(channels, until=lambda c: c == [])
    # The app partner reports a session: push reaches the client; a logout takes it
    # away again (the newest fact wins: services/notifications/tests/integration/test_app_facts.py).
    now = datetime.now(UTC)
    for kind, at in (("app_session_started", now), ("app_logged_out", now + timedelta(seconds=1))):
        await publish(producer, topics.INGEST_APP, app_fact(tenant, client_id, kind, at))
        wanted = ["PUSH"] if kind == "app_session_started" else []
        await eventually(channels, until=lambda c, w=wanted: c == w)  # type: ignore[misc]
    event = eligible(tenant, client_id, roles=["OWNER"])
    await publish(producer, topics.RANKS, event)
    owner.accept_language = "en"  # the reasons are read in the request's language
    records = await eventually(lambda: messages_of(owner, client_id), until=lambda m: len(m) == 2)
    by_channel = {m["channel"]: m for m in records}
    assert by_channel["EMAIL"]["status"] == "SUPPRESSED"
    assert by_channel["EMAIL"]["reason"] == "the client switched off SERVICE messages by EMAIL"
    assert by_channel["EMAIL"]["body"] is None
    assert by_channel["SMS"]["status"] == "SUPPRESSED"
    assert by_channel["SMS"]["reason"] == "no phone number on file"
    # Staff are told all the same: preferences are the client's, not the studio's.
    assert len(await eventually(lambda: inbox(owner))) == 1

    await publish(producer, topics.RANKS, event)  # replayed: no second record, still no mail
    admin = graphs(tenant, "ADMIN", subject="admin-1")
    await publish(
        producer, topics.RANKS, eligible(tenant, client_id, roles=["ADMIN"], notify_client=False)
    )
    await eventually(lambda: inbox(admin))
    assert len(await messages_of(owner, client_id)) == 2
    assert received_mail(email) == []


async def test_with_email_off_the_message_goes_by_sms_through_the_provider_webhook(
    owner: Graph, tenant: str, producer: AIOKafkaProducer
) -> None:
    phone = f"+3461{uuid.uuid4().int % 10_000_000:07d}"
    client_id, email = await studio_and_client(
        owner, producer, language="es", phone=phone, real=True
    )
    # C8 through the graph: the clients context publishes the change, we read it.
    switched = await owner(
        """mutation($id: ID!) {
          setCommunicationPreference(clientId: $id, category: SERVICE, channel: EMAIL,
                                     enabled: false) { userErrors { code } }
        }""",
        {"id": client_id},
    )
    assert switched["setCommunicationPreference"]["userErrors"] == []

    async def channels() -> list[str]:
        found: list[str] = (await notifications_card(owner, client_id))["messageChannels"]
        return found

    await eventually(channels, until=lambda c: c == ["SMS"])
    await publish(producer, topics.RANKS, eligible(tenant, client_id, roles=["OWNER"]))
    [hook] = await eventually(lambda: asyncio.to_thread(received_webhooks, phone))
    assert hook["path"] == "/sms"
    assert hook["body"]["body"] == (
        "Dojo Sakura: ya puedes optar a tu próximo cinturón en Karate: Cinturón amarillo."
    )
    assert hook["headers"]["idempotency-key"] == hook["body"]["message_id"]
    records = await eventually(
        lambda: messages_of(owner, client_id),
        until=lambda m: "PENDING" not in [r["status"] for r in m],
    )
    statuses = sorted((m["channel"], m["status"]) for m in records)
    assert statuses == [("EMAIL", "SUPPRESSED"), ("SMS", "SENT")]
    assert received_mail(email) == []


async def test_marking_a_notification_read_and_who_may(
    owner: Graph, tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    client_id, _ = await studio_and_client(owner, producer, language="en")
    await publish(
        producer, topics.RANKS, eligible(tenant, client_id, roles=["OWNER"], notify_client=False)
    )
    [item] = await eventually(lambda: inbox(owner))
    mark = """mutation($id: ID!) { markNotificationRead(id: $id) {
      notification { id read message } userErrors { field code } } }"""
    not_found = {"notification": None, "userErrors": [{"field": ["id"], "code": "NOT_FOUND"}]}

    operator = graphs(tenant, "OPERATOR", subject="op-1")
    refused = await operator(mark, {"id": item["id"]})
    assert refused["markNotificationRead"] == not_found  # not in their inbox
    client = graphs(tenant, "CLIENT", client_id=client_id, subject="c-1")
    refused = await client.raw(INBOX, {"unread": True})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    missing = await owner(mark, {"id": "no-such-id"})
    assert missing["markNotificationRead"] == not_found

    done = (await owner(mark, {"id": item["id"]}))["markNotificationRead"]["notification"]
    assert (done["id"], done["read"]) == (item["id"], True)
    assert await inbox(owner) == []
    [kept] = await inbox(owner, unread=False)
    assert kept["read"] is True
    bad_page = await owner.raw("{ staffNotifications(first: -1) { id } }")
    assert bad_page["errors"][0]["extensions"]["code"] == "BAD_PAGE_SIZE"


async def test_a_payment_with_points_sends_a_receipt_with_the_balance(
    owner: Graph, tenant: str, producer: AIOKafkaProducer
) -> None:
    client_id, email = await studio_and_client(owner, producer, language="en")

    def points(kind: str, data: dict[str, Any]) -> Envelope:
        return Envelope(
            type=f"loyalty.{kind}.v1",
            source="services/loyalty",
            tenant=tenant,
            subject=client_id,
            data={"client_id": client_id, **data},
        )

    earned = {
        "points": 120,
        "balance_after": 120,
        "value": "12.00",
        "currency": "EUR",
        "entry_id": "e-1",
        "at": datetime.now(UTC).isoformat(),
    }
    await publish(producer, topics.LOYALTY, points("points_earned", earned))
    no_receipt = {
        **earned,
        "entry_id": "e-2",
        "points": 20,
        "value": "2.00",
        "currency": "EUR",
        "invoice_number": "F-1",
        "branch_id": None,
        "balance_after": 100,
        "channel": "IN_STUDIO",
        "send_receipt": False,
    }
    await publish(producer, topics.LOYALTY, points("points_redeemed", no_receipt))
    receipt = {
        **no_receipt,
        "points": 50,
        "value": "5.00",
        "invoice_number": "F-2",
        "balance_after": 50,
        "send_receipt": True,
    }
    await publish(producer, topics.LOYALTY, points("points_redeemed", receipt))
    # 50 points paid 5.00 EUR: a point is worth 0.10 EUR, so the 50 left are worth 5.00 EUR.
    [mail] = await eventually(lambda: asyncio.to_thread(received_mail, email))
    assert mail["subject"] == "Dojo Sakura: receipt for your payment with points"
    assert (
        "you paid 5.00 EUR with 50 points (invoice F-2). Your balance is now 50 points "
        "(5.00 EUR)." in mail["body"]
    )
    [record] = await eventually(
        lambda: messages_of(owner, client_id),
        until=lambda m: [r["status"] for r in m] == ["SENT"],
    )
    assert (record["templateKey"], record["status"]) == ("points_receipt", "SENT")


CATEGORY = """
mutation($input: RankCategoryInput!) {
  createRankCategory(input: $input) { category { id } userErrors { message code } }
}"""
ADD_RANK = """
mutation($c: ID!, $i: RankInput!) {
  addRank(categoryId: $c, input: $i) { rank { id } userErrors { message code } }
}"""
ASSIGN = """
mutation($c: ID!, $r: ID!) {
  assignRank(clientId: $c, rankId: $r) { userErrors { message code } }
}"""
VISIT = """
mutation($c: ID!, $at: DateTime!, $v: ID) {
  recordVisit(clientId: $c, attendedAt: $at, visitId: $v) { accepted userErrors { code } }
}"""


async def test_a_visit_that_reaches_the_threshold_notifies_staff_and_the_client(
    owner: Graph, tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    """The whole path: crm takes the visit, ranks finds the client eligible (auto-promotion
    off), notifications tells the OWNER and OPERATOR roles and e-mails the client."""
    client_id, email = await studio_and_client(owner, producer, language="es", real=True)
    await owner(
        "mutation { setRankProgram(enabled: true, terminology: BELTS) { userErrors { code } } }"
    )
    settings = {
        "name": "Judo",
        "autoPromote": False,
        "notifyOnEligibility": True,
        "notifyRoles": ["OWNER", "OPERATOR"],
        "notifyClient": True,
    }
    category = (await owner(CATEGORY, {"input": settings}))["createRankCategory"]["category"]["id"]
    white = (await owner(ADD_RANK, {"c": category, "i": {"name": "Blanco"}}))["addRank"]["rank"][
        "id"
    ]
    await owner(ADD_RANK, {"c": category, "i": {"name": "Amarillo", "criteria": {"minVisits": 2}}})

    async def assign() -> list[dict[str, str]]:
        errors: list[dict[str, str]] = (await owner(ASSIGN, {"c": client_id, "r": white}))[
            "assignRank"
        ]["userErrors"]
        return errors

    # Ranks learns about the new client from the clients' events: until then, UNKNOWN_CLIENT.
    await eventually(assign, until=lambda errors: errors == [], timeout=30)
    # Only visits since the client entered the rank count (R4): attended after assigning.
    for n in (1, 2):
        at = (datetime.now(UTC) + timedelta(minutes=n)).isoformat()
        await owner(VISIT, {"c": client_id, "at": at, "v": f"visit-{client_id}-{n}"})

    operator = graphs(tenant, "OPERATOR", subject="op-1")
    admin = graphs(tenant, "ADMIN", subject="admin-1")
    expected = "Ana López cumple los requisitos para el próximo cinturón en Judo: Amarillo (actual: Blanco)."
    [for_owner] = await eventually(lambda: inbox(owner), timeout=30)
    assert for_owner["message"] == expected
    [for_operator] = await eventually(lambda: inbox(operator))
    assert for_operator["message"] == expected
    [mail] = await eventually(lambda: asyncio.to_thread(received_mail, email))
    assert mail["subject"] == "Dojo Sakura: ya puedes optar a Amarillo"
    assert "para tu próximo cinturón: Amarillo" in mail["body"]
    assert await inbox(admin) == []
