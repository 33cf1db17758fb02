"""Use cases of N1–N4 on the port kept in memory (`notifications.testing.MemoryNotices`):
what is recorded, suppressed, sent and published, without a stack."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from notifications.adapters.delivery import DeliveryError, Outgoing, Transport
from notifications.domain.messages import Recipient
from notifications.domain.templates import TemplateError, Text, default_text
from notifications.service_layer import manage
from notifications.service_layer.dispatch import (
    Deps,
    RecipientUnknown,
    notify_staff,
    write_to_client,
)
from notifications.testing import MemoryNotices
from plumbing.clock import ManualClock
from plumbing.event_handlers import Rejected

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
RANK = {"rank": "Blue", "next_rank": "Purple", "category": "BJJ", "terminology": "BELTS"}


class Sent:
    """A transport that keeps what it was given (or refuses everything)."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.messages: list[Outgoing] = []
        self.refuse = refuse

    async def send(self, message: Outgoing) -> None:
        if self.refuse:
            raise DeliveryError("the provider is down")
        self.messages.append(message)


def ana(**changes: object) -> Recipient:
    fields: dict[str, object] = {
        "client_id": "c1",
        "first_name": "Ana",
        "last_name": "Ruiz",
        "email": "ana@example.com",
        "phone": "+34600000000",
        "language": "en",
        "preferences": {},
    }
    fields.update(changes)
    return Recipient(**fields)  # type: ignore[arg-type]


def deps_for(notices: MemoryNotices, transports: Mapping[str, Transport]) -> Deps:
    return Deps(
        notices=lambda tenant: notices,
        clock=ManualClock(T0),
        transports=transports,
        attempts=2,
        backoff_seconds=0,
    )


def channels(notices: MemoryNotices) -> dict[str, str]:
    return {doc["channel"]: doc["status"] for doc in notices.messages.values()}


def published(notices: MemoryNotices) -> list[str]:
    return [e.type for e in notices.published]


async def test_n2_push_is_suppressed_without_the_app_and_the_newest_app_fact_decides() -> None:
    notices = MemoryNotices(recipients={"c1": ana(email=None, phone=None)})
    push = Sent()
    deps = deps_for(notices, {"PUSH": push})

    async def ask(event_id: str) -> list[str]:
        return await write_to_client(
            deps,
            tenant="t1",
            trigger_event_id=event_id,
            client_id="c1",
            template_key="points_balance",
            channels=["PUSH"],
        )

    assert await ask("e1") == ["SUPPRESSED"]
    assert notices.messages["e1|PUSH"]["reason"] == "the client does not have the app"
    await notices.set_app("c1", installed=True, at=T0)
    await notices.set_app("c1", installed=False, at=T0 - timedelta(hours=1))  # late, older
    await notices.set_app("c1", installed=False, at=T0)  # same instant: the first stays
    assert await ask("e2") == ["SENT"]
    await notices.set_app("c1", installed=False, at=T0 + timedelta(minutes=5))  # logged out
    assert await ask("e3") == ["SUPPRESSED"]
    assert len(push.messages) == 1
    assert published(notices) == [
        "notifications.message_suppressed.v1",
        "notifications.message_sent.v1",
        "notifications.message_suppressed.v1",
    ]


async def test_n2_a_switched_off_channel_is_suppressed_and_the_next_one_used() -> None:
    off = {"SERVICE_EMAIL": {"enabled": False, "at": T0}}
    notices = MemoryNotices(recipients={"c1": ana(preferences=off)})
    sms = Sent()
    deps = deps_for(notices, {"EMAIL": Sent(), "SMS": sms})
    outcome = await write_to_client(
        deps,
        tenant="t1",
        trigger_event_id="e1",
        client_id="c1",
        template_key="rank_eligible_client",
        channels=["EMAIL", "SMS"],
        rank_terms=RANK,
    )
    assert outcome == ["SUPPRESSED", "SENT"]
    assert channels(notices) == {"EMAIL": "SUPPRESSED", "SMS": "SENT"}
    assert "SERVICE messages by EMAIL" in notices.messages["e1|EMAIL"]["reason"]
    assert sms.messages[0].to == "+34600000000"


async def test_n1_at_most_once_per_event_and_channel_and_the_studios_own_text() -> None:
    notices = MemoryNotices(recipients={"c1": ana()})
    notices.templates[("points_balance", "EMAIL", "en")] = Text(
        subject="Points", body="{client_first_name}: {points} points at {studio}"
    )
    email = Sent()
    deps = deps_for(notices, {"EMAIL": email})

    async def ask() -> list[str]:
        return await write_to_client(
            deps,
            tenant="t1",
            trigger_event_id="e1",
            client_id="c1",
            template_key="points_balance",
            channels=["EMAIL"],
        )

    assert await ask() == ["SENT"]
    assert await ask() == []  # the replay finds the record and sends nothing
    assert [m.body for m in email.messages] == ["Ana: 0 points at Studio One"]
    assert published(notices) == ["notifications.message_sent.v1"]


async def test_n1_a_send_that_keeps_failing_is_recorded_failed_with_its_attempts() -> None:
    notices = MemoryNotices(recipients={"c1": ana()})
    deps = deps_for(notices, {"EMAIL": Sent(refuse=True), "SMS": Sent(refuse=True)})
    outcome = await write_to_client(
        deps,
        tenant="t1",
        trigger_event_id="e1",
        client_id="c1",
        template_key="points_balance",
        channels=["EMAIL", "SMS"],
    )
    assert outcome == ["FAILED", "FAILED"]
    assert notices.messages["e1|EMAIL"]["attempts"] == 2
    assert published(notices) == ["notifications.message_failed.v1"] * 2


async def test_n3_one_inbox_entry_per_role_once() -> None:
    notices = MemoryNotices(recipients={"c1": ana()})
    deps = deps_for(notices, {})

    async def tell(*roles: str) -> int:
        return await notify_staff(
            deps,
            tenant="t1",
            trigger_event_id="e1",
            kind="RANK_ELIGIBLE",
            roles=roles,
            client_id="c1",
            template_key="rank_eligible_staff",
            values={"visits_in_rank": 30, "days_in_rank": 90},
            rank_terms=RANK,
        )

    assert await tell("owner", "OWNER", "ADMIN") == 2
    assert await tell("OWNER", "ADMIN") == 0  # a replay adds nothing
    assert sorted(notices.inbox_entries) == ["e1|ADMIN", "e1|OWNER"]
    owner = notices.inbox_entries["e1|OWNER"]
    assert "Ana Ruiz is eligible for the next belt in BJJ" in owner["message"]
    assert [d["_id"] for d in await notices.inbox(["OWNER"], unread_only=True, first=50)] == [
        "e1|OWNER"
    ]
    assert await notices.mark_read("e1|OWNER", ["ADMIN"], by="u2", at=T0) is None  # not theirs
    assert await notices.mark_read("e1|OWNER", ["OWNER"], by="u1", at=T0) is not None
    assert await notices.inbox(["OWNER"], unread_only=True, first=50) == []
    assert published(notices) == ["notifications.staff_notified.v1"] * 2
    with pytest.raises(Rejected):
        await tell("CLIENT")


async def test_n4_a_request_from_the_card_is_queued_with_its_event() -> None:
    notices = MemoryNotices(recipients={"c1": ana()})
    refused = await manage.request_message(notices, "c1", "rank_promoted", None, by="u1")
    assert isinstance(refused, manage.Refused) and refused.code == "UNKNOWN_TEMPLATE"
    unknown = await manage.request_message(notices, "c9", "payment_reminder", None, by="u1")
    assert isinstance(unknown, manage.Refused) and unknown.code == "CLIENT_NOT_FOUND"
    event_id = await manage.request_message(notices, "c1", "payment_reminder", "SMS", by="u1")
    assert isinstance(event_id, str)
    assert notices.requests[event_id]["channel"] == "SMS"
    assert published(notices) == ["notifications.message_requested.v1"]


async def test_n1_a_studio_template_replaces_the_default_one_in_the_list() -> None:
    notices = MemoryNotices()
    await manage.save_template(
        notices, "points_balance", "SMS", "en", None, "{studio}: {points}", by="u1", now=T0
    )
    views = {(v.key, v.channel, v.language): v for v in await manage.list_templates(notices)}
    assert views[("points_balance", "SMS", "en")].customized
    assert views[("points_balance", "SMS", "en")].body == "{studio}: {points}"
    assert not views[("points_balance", "SMS", "es")].customized


async def test_n1_a_template_reset_to_its_default_is_sent_as_the_default_again() -> None:
    notices = MemoryNotices()
    await manage.save_template(
        notices, "points_balance", "SMS", "es", None, "{studio}: {points}", by="u1", now=T0
    )
    view = await manage.reset_template(notices, "points_balance", "SMS", "es")
    default = default_text("points_balance", "SMS", "es")
    assert (view.body, view.customized) == (default.body, False)
    assert notices.templates == {}
    views = {(v.key, v.channel, v.language): v for v in await manage.list_templates(notices)}
    assert views[("points_balance", "SMS", "es")] == view
    again = await manage.reset_template(notices, "points_balance", "SMS", "es")
    assert again == view
    with pytest.raises(TemplateError) as unknown:
        await manage.reset_template(notices, "nope", "SMS", "es")
    assert unknown.value.code == "UNKNOWN_TEMPLATE"
    with pytest.raises(TemplateError) as language:
        await manage.reset_template(notices, "points_balance", "SMS", "de")
    assert language.value.code == "BAD_LANGUAGE"


async def test_n4_a_message_for_a_client_not_known_yet_waits() -> None:
    deps = deps_for(MemoryNotices(), {})
    with pytest.raises(RecipientUnknown):
        await write_to_client(
            deps,
            tenant="t1",
            trigger_event_id="e1",
            client_id="c9",
            template_key="payment_reminder",
            channels=["EMAIL", "SMS", "PUSH"],
        )


async def test_l10_an_appointment_reminder_shows_the_balance_when_it_is_written() -> None:
    """Seed 002: an appointment reminder with `$CLIPOINTS$` in its text shows the points.
    The studio's SMS (saved with the old code) is filled with the balance the client has
    when the reminder goes out, not the one when staff asked for it."""
    notices = MemoryNotices(recipients={"c1": ana(language="es", points=120)})
    await manage.save_template(
        notices,
        "appointment_reminder",
        "SMS",
        "es",
        None,
        "$CENTRO$: mañana a las 10:00 tienes cita. Tienes $CLIPOINTS$ puntos.",
        by="u1",
        now=T0,
    )
    event_id = await manage.request_message(notices, "c1", "appointment_reminder", "SMS", by="u1")
    assert isinstance(event_id, str)
    notices.recipients["c1"] = ana(language="es", points=50, points_value=Decimal("5.00"))
    sms = Sent()
    outcome = await write_to_client(
        deps_for(notices, {"SMS": sms}),
        tenant="t1",
        trigger_event_id=event_id,
        client_id="c1",
        template_key="appointment_reminder",
        channels=["SMS"],
    )
    assert outcome == ["SENT"]
    assert [m.body for m in sms.messages] == [
        "Studio One: mañana a las 10:00 tienes cita. Tienes 50 puntos."
    ]


async def test_l10_the_default_appointment_reminder_carries_the_points_in_each_language() -> None:
    notices = MemoryNotices(recipients={"c1": ana(language="it", points=30)})
    sms = Sent()
    await write_to_client(
        deps_for(notices, {"SMS": sms}),
        tenant="t1",
        trigger_event_id="e1",
        client_id="c1",
        template_key="appointment_reminder",
        channels=["SMS"],
    )
    assert sms.messages[0].body == (
        "Studio One: ti ricordiamo il tuo prossimo appuntamento. Hai 30 punti."
    )
