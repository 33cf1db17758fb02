"""Push needs the app: the newest app fact about a client decides, in whatever order the
facts arrive (a session, a logout, an uninstall reported by a bounce)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from notifications.adapters.notices import MongoNotices
from notifications.adapters.recipients import load_recipient, set_app, update_recipient
from notifications.domain.messages import why_not
from notifications.service_layer.devices import register_device
from plumbing.mongo import Doc
from plumbing.outbox import Outbox
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


async def test_devices_are_kept_per_card_and_a_newer_logout_drops_the_older_ones(
    db: AsyncDatabase[Doc],
) -> None:
    notices = MongoNotices(db, Outbox(db), "t1")
    await update_recipient(db, "t1", "c1", {"first_name": "Ana", "last_name": "App"})
    await register_device(notices, "c1", token="ios-1", platform="IOS", now=T0)
    await register_device(notices, "c1", token="and-1", platform="ANDROID", now=T0)
    recipient = await load_recipient(db, "t1", "c1")
    assert recipient is not None and why_not(recipient, None, "PUSH") is None
    assert recipient.push_devices() == (("ios-1", "IOS"), ("and-1", "ANDROID"))
    assert await MongoNotices(db, Outbox(db), "t2").devices("c1") == []  # another studio
    await notices.set_app("c1", installed=False, at=T0 + timedelta(minutes=1))
    recipient = await load_recipient(db, "t1", "c1")
    assert recipient is not None and recipient.devices == ()
    assert why_not(recipient, None, "PUSH") == "the client does not have the app"
