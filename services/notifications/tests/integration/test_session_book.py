"""The reminders' sessions and bookings on the real database (`MongoSessionBook`): the
same answers as the memory version the use-case tests run on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from notifications.adapters.session_book import MongoSessionBook, tenants_with_sessions
from notifications.domain.reminders import ReminderSettings
from plumbing.mongo import Doc
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase

STARTS = datetime(2026, 12, 8, 18, 0, tzinfo=UTC)
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("notifications_reminders") as scratch:
        yield scratch


async def test_bookings_claims_corrections_and_erasure(db: AsyncDatabase[Doc]) -> None:
    book = MongoSessionBook(db, "t1")
    assert await book.settings() == ReminderSettings()
    await book.booked("s.1", "b.1", "c1")  # before the session: kept, start unknown
    await book.session_reported("s.1", STARTS, AT)
    await book.booked("s.1", "$b2", "c2")
    await book.cancelled("s.1", "$b2", "c2")
    await book.booked("s.1", "$b2", "c2")  # a replay does not undo the cancellation
    await book.session_reported("s.1", STARTS - timedelta(days=1), AT - timedelta(hours=1))
    window = (STARTS - timedelta(hours=24), STARTS)
    [session] = await book.sessions_between(*window)
    assert session.starts_at == STARTS  # the older report changed nothing
    assert {(b.booking_id, b.state) for b in session.bookings} == {
        ("b.1", "BOOKED"),
        ("$b2", "CANCELLED"),
    }
    assert await tenants_with_sessions(db, *window) == ["t1"]
    assert await book.claim("s.1", "b.1")
    assert not await book.claim("s.1", "b.1")
    await book.release("s.1", "b.1")
    assert await book.claim("s.1", "b.1")
    await book.forget_client("c1")
    [session] = await book.sessions_between(*window)
    assert [b.client_id for b in session.bookings] == ["c2"]
    saved = ReminderSettings(enabled=False, hours_before=3, changed_by="u1", changed_at=AT)
    await book.save_settings(saved)
    assert await book.settings() == saved
    assert await MongoSessionBook(db, "t2").sessions_between(*window) == []
