"""N2: preferences decide, newest change wins; delivery retries with backoff."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

from notifications.adapters.delivery import DeliveryError, Outgoing, deliver
from notifications.domain.messages import Recipient, channels_to_try, money, newer, why_not

ANA = Recipient(
    client_id="c1",
    first_name="Ana",
    last_name="López",
    email="ana@example.com",
    phone=None,
    language="es",
    preferences={"SERVICE_EMAIL": {"enabled": False, "at": datetime(2026, 1, 1, tzinfo=UTC)}},
)


def test_a_switched_off_channel_is_refused_with_the_reason() -> None:
    assert why_not(ANA, "SERVICE", "EMAIL") == "the client switched off SERVICE messages by EMAIL"
    assert why_not(ANA, "TRANSACTIONS", "EMAIL") is None  # untouched switches are on
    assert why_not(ANA, "TRANSACTIONS", "SMS") == "no phone number on file"
    assert why_not(ANA, None, "PUSH") == "the client does not have the app"
    assert why_not(dataclasses.replace(ANA, has_app=True), None, "PUSH") is None


def test_the_newest_change_wins() -> None:
    stored = {"enabled": False, "at": datetime(2026, 1, 1, tzinfo=UTC)}
    assert newer(datetime(2026, 1, 2, tzinfo=UTC), stored)
    assert not newer(datetime(2025, 12, 31, tzinfo=UTC), stored)
    assert not newer(datetime(2026, 1, 1, tzinfo=UTC), stored)
    assert newer(datetime(2020, 1, 1, tzinfo=UTC), None)


def test_channels_to_try() -> None:
    assert channels_to_try("SMS", automatic=True) == ("SMS",)
    assert channels_to_try(None, automatic=True) == ("EMAIL", "SMS")
    assert channels_to_try(None, automatic=False) == ("EMAIL", "SMS", "PUSH")


def test_money_is_exact() -> None:
    assert money(Decimal("0.1") * 50, "EUR") == "5.00 EUR"
    assert money(None, "EUR") is None


class FlakyTransport:
    """Fails the first `failures` sends, then accepts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def send(self, message: Outgoing) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise DeliveryError("try again")


MESSAGE = Outgoing("t:e|SMS", "t", "c1", "SMS", "+34600", None, "Hola", "payment_reminder")


async def test_delivery_retries_until_the_provider_accepts() -> None:
    flaky = FlakyTransport(failures=2)
    outcome = await deliver({"SMS": flaky}, MESSAGE, attempts=3, backoff_seconds=0)
    assert (outcome.sent, outcome.attempts, flaky.calls) == (True, 3, 3)


async def test_delivery_gives_up_after_the_last_attempt() -> None:
    flaky = FlakyTransport(failures=5)
    outcome = await deliver({"SMS": flaky}, MESSAGE, attempts=3, backoff_seconds=0)
    assert (outcome.sent, outcome.attempts, outcome.error, flaky.calls) == (
        False,
        3,
        "try again",
        3,
    )
