"""Push needs the app: the newest app fact about a client decides, in whatever order the
facts arrive (a session, a logout, an uninstall reported by a bounce)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from notifications.adapters.recipients import load_recipient, set_app, update_recipient
from notifications.domain.messages import why_not
from plumbing.mongo import Doc
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("notifications_app") as scratch:
        yield scratch


async def test_the_newest_app_fact_decides_whether_push_reaches_the_client(
    db: AsyncDatabase[Doc],
) -> None:
    await update_recipient(db, "t1", "c1", {"first_name": "Ana", "last_name": "App"})

    async def has_app() -> bool:
        recipient = await load_recipient(db, "t1", "c1")
        assert recipient is not None
        return recipient.has_app

    assert not await has_app()
    await set_app(db, "t1", "c1", installed=True, at=T0)
    assert await has_app()
    recipient = await load_recipient(db, "t1", "c1")
    assert recipient is not None and why_not(recipient, None, "PUSH") is None
    await set_app(db, "t1", "c1", installed=False, at=T0 + timedelta(minutes=5))
    assert not await has_app()
    await set_app(db, "t1", "c1", installed=True, at=T0 - timedelta(hours=1))  # late, older
    assert not await has_app()
    await set_app(db, "t1", "c1", installed=True, at=T0 + timedelta(minutes=5))  # same time
    assert not await has_app()
    await set_app(db, "t1", "c1", installed=True, at=T0 + timedelta(days=1))
    assert await has_app()
