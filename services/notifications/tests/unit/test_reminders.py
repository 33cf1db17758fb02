"""L10: appointment reminders sent by themselves, on the ports kept in memory
(`MemoryNotices`, `MemorySessionBook`): due once, `hours_before` the session, never for a
cancelled booking, never after the start, `{points}` as it is when written, C8 honoured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from notifications.adapters.delivery import Outgoing
from notifications.domain.messages import Recipient
from notifications.domain.reminders import ReminderSettings, ReminderSettingsError, is_due
from notifications.service_layer.dispatch import Deps
from notifications.service_layer.reminders import (
    ReminderRun,
    run_reminders,
    set_reminder_settings,
)
from notifications.testing import MemoryNotices, MemorySessionBook
from plumbing.clock import ManualClock

STARTS = datetime(2026, 12, 8, 18, 0, tzinfo=UTC)  # Tuesday 19:00 in Madrid


class Sent:
    """A transport that keeps what it was given."""

    def __init__(self) -> None:
        self.messages: list[Outgoing] = []

    async def send(self, message: Outgoing) -> None:
        self.messages.append(message)


def ana(**changes: object) -> Recipient:
    fields: dict[str, object] = {
        "client_id": "c1",
        "first_name": "Ana",
        "last_name": "Ruiz",
        "email": "ana@example.com",
        "phone": "+34600000000",
        "language": "es",
        "preferences": {},
    }
    fields.update(changes)
    return Recipient(**fields)  # type: ignore[arg-type]


def deps_for(notices: MemoryNotices, transports: dict[str, Sent]) -> Deps:
    return Deps(
        notices=lambda tenant: notices,
        clock=ManualClock(STARTS),
        transports=transports,
        attempts=1,
        backoff_seconds=0,
    )


REPORTED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def studio(**recipient: object) -> tuple[MemoryNotices, MemorySessionBook, Sent]:
    notices = MemoryNotices(recipients={"c1": ana(**recipient)})
    book = MemorySessionBook()
    await book.session_reported("s1", STARTS, REPORTED)
    await book.booked("s1", "b1", "c1")
    return notices, book, Sent()


async def run_at(
    notices: MemoryNotices, book: MemorySessionBook, sms: Sent, now: datetime
) -> ReminderRun:
    deps = deps_for(notices, {"SMS": sms, "EMAIL": Sent(), "PUSH": Sent()})
    return await run_reminders(deps, lambda tenant: book, ["t1"], now)


def test_due_from_hours_before_until_the_start() -> None:
    settings = ReminderSettings(hours_before=24)
    assert not is_due(STARTS, STARTS - timedelta(hours=24, seconds=1), settings)
    assert is_due(STARTS, STARTS - timedelta(hours=24), settings)
    assert is_due(STARTS, STARTS - timedelta(seconds=1), settings)
    assert not is_due(STARTS, STARTS, settings)
    assert not is_due(STARTS, STARTS - timedelta(hours=2), ReminderSettings(enabled=False))


async def test_sent_once_by_sms_with_the_points_held_when_written() -> None:
    notices, book, sms = await studio(points=80)
    assert (await run_at(notices, book, sms, STARTS - timedelta(hours=30))).sent == 0
    notices.recipients["c1"] = ana(points=120)  # earned in between
    run = await run_at(notices, book, sms, STARTS - timedelta(hours=23))
    assert run.sent == 1
    # No app: push is withheld with its reason, SMS goes (seed 002: "por App o SMS").
    statuses = {d["channel"]: d["status"] for d in notices.messages.values()}
    assert statuses == {"PUSH": "SUPPRESSED", "SMS": "SENT"}
    assert [m.body for m in sms.messages] == [
        "Studio One: te recordamos tu próxima cita. Tienes 120 puntos."
    ]
    again = await run_at(notices, book, sms, STARTS - timedelta(hours=1))
    assert again.sent == 0 and len(sms.messages) == 1


async def test_a_replica_that_lost_the_claim_sends_nothing() -> None:
    notices, book, sms = await studio()
    await book.claim("s1", "b1")  # another replica is writing it
    assert (await run_at(notices, book, sms, STARTS - timedelta(hours=2))).sent == 0
    assert sms.messages == []


async def test_never_for_a_cancelled_booking_nor_after_the_start() -> None:
    notices, book, sms = await studio()
    await book.cancelled("s1", "b1", "c1")
    await book.booked("s1", "b1", "c1")  # a replayed booking does not bring it back
    assert (await run_at(notices, book, sms, STARTS - timedelta(hours=2))).sent == 0
    notices, book, sms = await studio()
    assert (await run_at(notices, book, sms, STARTS + timedelta(minutes=1))).sent == 0
    assert sms.messages == []


async def test_a_corrected_time_moves_the_reminder_and_an_older_report_does_not() -> None:
    notices, book, sms = await studio()
    later = STARTS + timedelta(days=2)
    await book.session_reported("s1", later, REPORTED + timedelta(hours=1))
    await book.session_reported("s1", STARTS, REPORTED)  # late, older report
    assert (await run_at(notices, book, sms, STARTS - timedelta(hours=2))).sent == 0
    assert (await run_at(notices, book, sms, later - timedelta(hours=2))).sent == 1


async def test_c8_switch_off_withholds_every_channel() -> None:
    off = {
        f"APPOINTMENTS_{channel}": {"enabled": False, "at": REPORTED}
        for channel in ("PUSH", "SMS", "EMAIL")
    }
    notices, book, sms = await studio(preferences=off)
    run = await run_at(notices, book, sms, STARTS - timedelta(hours=2))
    assert (run.sent, run.withheld) == (0, 1)
    assert {d["status"] for d in notices.messages.values()} == {"SUPPRESSED"}


async def test_the_studio_setting_hours_and_off_switch() -> None:
    notices, book, sms = await studio()
    await set_reminder_settings(book, enabled=True, hours_before=2, by="owner", now=REPORTED)
    assert (await run_at(notices, book, sms, STARTS - timedelta(hours=3))).sent == 0
    await set_reminder_settings(book, enabled=False, hours_before=2, by="owner", now=REPORTED)
    assert (await run_at(notices, book, sms, STARTS - timedelta(hours=1))).sent == 0
    with pytest.raises(ReminderSettingsError) as refused:
        await set_reminder_settings(book, enabled=True, hours_before=0, by="owner", now=REPORTED)
    assert refused.value.code == "BAD_HOURS"


async def test_a_card_not_arrived_yet_is_tried_on_the_next_run() -> None:
    notices, book, sms = await studio()
    card = notices.recipients.pop("c1")
    assert (await run_at(notices, book, sms, STARTS - timedelta(hours=3))).waiting == 1
    notices.recipients["c1"] = card
    assert (await run_at(notices, book, sms, STARTS - timedelta(hours=2))).sent == 1


async def test_erasure_forgets_the_bookings() -> None:
    notices, book, sms = await studio()
    await book.forget_client("c1")
    assert (await run_at(notices, book, sms, STARTS - timedelta(hours=2))).sent == 0
